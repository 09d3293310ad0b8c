import * as z from 'zod';

import { ValidationError } from '../errors.ts';
import { cut } from '../text.ts';
import {
  alertJsonBytesAtMost,
  decodeBody,
  FINGERPRINT,
  formatIssue,
  labelProblem,
  normaliseTimestamp,
  QUOTED_CHARS,
  readAlert,
  textProblem,
  WEBHOOK_LIMITS,
  type Alert,
  type Webhook,
} from './read.ts';

export {
  alertJsonBytesAtMost,
  formatIssue,
  normaliseTimestamp,
  readAlert,
  readWebhook,
  readWebhookBody,
  textProblem,
  WEBHOOK_LIMIT_DOCS,
  WEBHOOK_LIMITS,
  type Alert,
  type Webhook,
} from './read.ts';

/**
 * A label or annotation set. Built on a null-prototype object so that keys such as `__proto__`
 * or `constructor` are kept as plain data and can never reach `Object.prototype`.
 */
export const LabelSetSchema = z.unknown().transform((raw, ctx): Record<string, string> => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    ctx.addIssue({ code: 'custom', message: `expected an object of string values, got ${kindOf(raw)}` });
    return z.NEVER;
  }
  const entries = Object.entries(raw);
  if (entries.length > WEBHOOK_LIMITS.labels) {
    ctx.addIssue({ code: 'custom', message: `${entries.length} entries; at most ${WEBHOOK_LIMITS.labels}` });
    return z.NEVER;
  }
  const out = Object.create(null) as Record<string, string>;
  for (const [key, value] of entries) {
    const path = [cut(key, QUOTED_CHARS)];
    if (typeof value !== 'string') {
      ctx.addIssue({ code: 'custom', path, message: `expected a string, got ${kindOf(value)}` });
      continue;
    }
    const problem = labelProblem(key, value);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', path, message: problem });
      continue;
    }
    out[key] = value;
  }
  return out;
});

/** A string bounded in bytes, well-formed UTF-16, with no character a queue could refuse. */
function boundedText(maxBytes: number) {
  return z.string().superRefine((value, ctx) => {
    const problem = textProblem(value, maxBytes);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** RFC 3339 as Alertmanager writes it (Go's time.Time: any fraction, `Z` or an offset). */
const DateTimeSchema = z.iso.datetime({
  offset: true,
  error: (issue) => `expected an RFC 3339 timestamp, got ${quoted(issue.input, QUOTED_CHARS)}`,
});
const TimestampSchema = DateTimeSchema.transform(normaliseTimestamp);

const StatusSchema = z.enum(['firing', 'resolved'], {
  error: (issue) => `expected "firing" or "resolved", got ${JSON.stringify(issue.input)}`,
});

/** One alert inside an Alertmanager webhook. */
export const AlertSchema = z.object({
  status: StatusSchema,
  labels: LabelSetSchema,
  annotations: LabelSetSchema,
  startsAt: TimestampSchema,
  endsAt: TimestampSchema,
  generatorURL: boundedText(WEBHOOK_LIMITS.textBytes),
  fingerprint: z
    .string()
    .min(1, 'must not be empty')
    .max(WEBHOOK_LIMITS.fingerprintChars, `at most ${WEBHOOK_LIMITS.fingerprintChars} characters`)
    .regex(FINGERPRINT, 'printable ASCII only (Alertmanager sends 16 hex digits)'),
});

/**
 * The Alertmanager webhook body, version 4 (every field Alertmanager 0.25+ sends). Fields newer
 * releases add are accepted and dropped.
 */
export const WebhookSchema = z.object({
  version: z.literal('4', { error: (issue) => `expected "4", got ${quoted(issue.input, QUOTED_CHARS)}` }),
  groupKey: boundedText(WEBHOOK_LIMITS.textBytes),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  receiver: boundedText(WEBHOOK_LIMITS.textBytes),
  status: StatusSchema,
  alerts: z.array(AlertSchema),
  groupLabels: LabelSetSchema,
  commonLabels: LabelSetSchema,
  commonAnnotations: LabelSetSchema,
  externalURL: boundedText(WEBHOOK_LIMITS.textBytes),
});

/** The webhook with its alerts not yet looked into: they are checked one by one, bounded. */
const EnvelopeSchema = WebhookSchema.extend({
  alerts: z
    .array(z.unknown())
    .max(WEBHOOK_LIMITS.alerts, `at most ${WEBHOOK_LIMITS.alerts} alerts in one notification`),
});

// The types read.ts declares are what these schemas give, exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const alertTypesAgree: [Same<z.infer<typeof AlertSchema>, Alert>, Same<z.infer<typeof WebhookSchema>, Webhook>] = [
  true,
  true,
];
void alertTypesAgree;

/**
 * Parses a webhook body (a string or already-decoded JSON). Throws a ValidationError whose
 * message names every offending field, e.g. `alerts[0].startsAt: expected an RFC 3339 timestamp`.
 */
export function parseWebhook(body: unknown): Webhook {
  return parseWebhookData(decodeBody(body));
}

/** parseWebhook for a body decoded already (a JSON string here is a body, not JSON to decode). */
export function parseWebhookData(raw: unknown): Webhook {
  // The envelope first (an alerts array of a bounded length), then each alert on its own, keeping
  // the first problems and counting the rest: a body of 100,000 broken alerts costs one pass and
  // gets an answer of a few lines.
  const issues = new BoundedIssues(WEBHOOK_LIMITS.issuesReported);
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success) issues.add(envelope.error.issues);
  const listed = (raw as { alerts?: unknown } | null)?.alerts;
  const rawAlerts = Array.isArray(listed) && listed.length <= WEBHOOK_LIMITS.alerts ? (listed as unknown[]) : [];
  const alerts: Alert[] = [];
  rawAlerts.forEach((candidate, index) => {
    let alert = readAlert(candidate);
    if (alert === undefined) {
      const parsed = AlertSchema.safeParse(candidate);
      if (!parsed.success) return issues.add(parsed.error.issues, ['alerts', index]);
      alert = parsed.data;
    }
    const bytes =
      alertJsonBytesAtMost(alert) > WEBHOOK_LIMITS.alertBytes ? Buffer.byteLength(JSON.stringify(alert), 'utf8') : 0;
    if (bytes > WEBHOOK_LIMITS.alertBytes) {
      return issues.addText(`alerts[${index}]: ${bytes} bytes as JSON; at most ${WEBHOOK_LIMITS.alertBytes}`);
    }
    alerts.push(alert);
  });
  if (!envelope.success || issues.count > 0) {
    const reported = issues.reported();
    throw new ValidationError(`invalid Alertmanager webhook: ${reported.join('; ')}`, reported);
  }
  return { ...envelope.data, alerts };
}

/** The first `max` problems found, formatted, and how many more there were. */
class BoundedIssues {
  private readonly kept: string[] = [];
  private readonly max: number;
  count = 0;

  constructor(max: number) {
    this.max = max;
  }

  add(found: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): void {
    for (const issue of found) {
      this.count += 1;
      if (this.kept.length < this.max) this.kept.push(formatIssue({ ...issue, path: [...prefix, ...issue.path] }));
    }
  }

  addText(text: string): void {
    this.count += 1;
    if (this.kept.length < this.max) this.kept.push(text);
  }

  reported(): string[] {
    const more = this.count - this.kept.length;
    return more > 0 ? [...this.kept, `… and ${more} more problem${more === 1 ? '' : 's'}`] : [...this.kept];
  }
}

/** A scalar as JSON, cut to `max` characters; anything else by its kind (never walked: it may nest deep). */
function quoted(value: unknown, max: number): string {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return cut(JSON.stringify(value), max);
  }
  return kindOf(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
