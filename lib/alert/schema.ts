import * as z from 'zod';

import { ValidationError } from '../errors.ts';

/**
 * A label or annotation set. Built on a null-prototype object so that keys such as `__proto__`
 * or `constructor` are kept as plain data and can never reach `Object.prototype`.
 */
export const LabelSetSchema = z.unknown().transform((raw, ctx): Record<string, string> => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    ctx.addIssue({ code: 'custom', message: `expected an object of string values, got ${kindOf(raw)}` });
    return z.NEVER;
  }
  const out = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      ctx.addIssue({ code: 'custom', path: [key], message: `expected a string, got ${kindOf(value)}` });
      continue;
    }
    out[key] = value;
  }
  return out;
});

/** RFC 3339 as Alertmanager writes it (Go's time.Time: any fraction, `Z` or an offset). */
const TimestampSchema = z.iso.datetime({
  offset: true,
  error: (issue) => `expected an RFC 3339 timestamp, got ${JSON.stringify(issue.input)}`,
});

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
  generatorURL: z.string(),
  fingerprint: z.string().min(1, 'must not be empty'),
});

/**
 * The Alertmanager webhook body, version 4 (every field Alertmanager 0.25+ sends). Fields newer
 * releases add are accepted and dropped.
 */
export const WebhookSchema = z.object({
  version: z.literal('4', { error: (issue) => `expected "4", got ${JSON.stringify(issue.input)}` }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  receiver: z.string(),
  status: StatusSchema,
  alerts: z.array(AlertSchema),
  groupLabels: LabelSetSchema,
  commonLabels: LabelSetSchema,
  commonAnnotations: LabelSetSchema,
  externalURL: z.string(),
});

export type Alert = z.infer<typeof AlertSchema>;
export type Webhook = z.infer<typeof WebhookSchema>;

/**
 * Parses a webhook body (a string or already-decoded JSON). Throws a ValidationError whose
 * message names every offending field, e.g. `alerts[0].startsAt: expected an RFC 3339 timestamp`.
 */
export function parseWebhook(body: unknown): Webhook {
  let raw = body;
  if (typeof body === 'string') {
    try {
      raw = JSON.parse(body);
    } catch (error) {
      throw new ValidationError(`body is not valid JSON: ${(error as Error).message}`, [], { cause: error });
    }
  }
  const result = WebhookSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map(formatIssue);
    throw new ValidationError(`invalid Alertmanager webhook: ${issues.join('; ')}`, issues);
  }
  return result.data;
}

/** `alerts[0].labels.pod: expected a string` from a zod issue. */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    const key = String(part);
    return acc === '' ? key : `${acc}.${key}`;
  }, '');
  return `${path === '' ? '(body)' : path}: ${issue.message}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
