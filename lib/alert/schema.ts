import * as z from 'zod';

import { ValidationError } from '../errors.ts';
import { cut } from '../text.ts';

/**
 * What one webhook may carry, checked before anything is queued, so that a body the AWS store
 * and queue would refuse (a DynamoDB key over 1,024 bytes, an item over 400 KB, an SQS message
 * over 256 KB or with characters SQS does not take) is a 400 here, locally and on AWS alike, and
 * so that the work and the answer per request stay bounded however bad the body is.
 */
export const WEBHOOK_LIMITS = {
  /** Alerts in one notification: Alertmanager sends a group's alerts, rarely more than hundreds. */
  alerts: 5_000,
  /** Validation problems named in a 400; the rest are counted. */
  issuesReported: 20,
  /** Alertmanager fingerprints are 16 hex digits; part of the store's keys. */
  fingerprintChars: 128,
  /** Labels (or annotations) in one set. */
  labels: 256,
  /** A label or annotation name. */
  nameBytes: 1_024,
  /** A label value, or one annotation (descriptions run longer than labels). */
  valueBytes: 16 * 1024,
  /** One alert as JSON: it travels in a queue message and is kept in its outcome record. */
  alertBytes: 64 * 1024,
  /** receiver, groupKey, externalURL, generatorURL. */
  textBytes: 8 * 1024,
} as const;

/** What each limit bounds, for the README's table (`npm run readme`). */
export const WEBHOOK_LIMIT_DOCS: Record<keyof typeof WEBHOOK_LIMITS, string> = {
  alerts: 'alerts in one notification (Alertmanager sends one group: rarely more than hundreds)',
  issuesReported: 'validation problems named in a `400`; the rest are counted in one line',
  fingerprintChars: 'characters of a fingerprint, printable ASCII (Alertmanager: 16 hex digits)',
  labels: 'labels, or annotations, in one set',
  nameBytes: 'bytes of a label or annotation name',
  valueBytes: 'bytes of a label value or of one annotation',
  alertBytes: 'bytes of one alert as JSON (it travels in one queue message, SQS takes 256 KB)',
  textBytes: 'bytes of `receiver`, `groupKey`, `externalURL`, `generatorURL`',
};

/** How much of an offending value a validation message quotes. */
const QUOTED_CHARS = 60;

/** An alert's fingerprint: one or more printable ASCII characters (no space). */
const FINGERPRINT = /^[\x21-\x7e]+$/;

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

function labelProblem(key: string, value: string): string | undefined {
  return textProblem(key, WEBHOOK_LIMITS.nameBytes, 'name') ?? textProblem(value, WEBHOOK_LIMITS.valueBytes);
}

/**
 * A label set as LabelSetSchema gives it, when it has no problem; undefined at the first one
 * (LabelSetSchema then names them). The copy is a spread given a null prototype: the same own
 * keys, in the same order, as plain data (a `__proto__` key stays a key), but in V8 a fast object
 * of about 120 bytes where Object.create(null) and twelve stores make a dictionary of 1.7 KB.
 */
function readLabelSet(raw: unknown): Record<string, string> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  // A spread would copy symbol keys too, which LabelSetSchema (Object.entries) leaves out.
  if (Object.getOwnPropertySymbols(raw).length > 0) return undefined;
  const out = Object.setPrototypeOf({ ...raw }, null) as Record<string, unknown>;
  const keys = Object.keys(out);
  if (keys.length > WEBHOOK_LIMITS.labels) return undefined;
  for (const key of keys) {
    const value = out[key];
    if (typeof value !== 'string' || labelProblem(key, value) !== undefined) return undefined;
  }
  return out as Record<string, string>;
}

/** A string bounded in bytes, well-formed UTF-16, with no character a queue could refuse. */
function boundedText(maxBytes: number) {
  return z.string().superRefine((value, ctx) => {
    const problem = textProblem(value, maxBytes);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** Made once: a regular expression literal in a function body is a new object at every call. */
const NON_CHARACTERS = /[\uFFFE\uFFFF]/;

/**
 * Why a string cannot be taken, or undefined: over `maxBytes` in UTF-8, a lone UTF-16 surrogate
 * (which JSON can encode but no text can hold: two such strings would become one), or U+FFFE /
 * U+FFFF (not characters; SQS refuses them).
 */
export function textProblem(value: string, maxBytes: number, what = 'value'): string | undefined {
  // A UTF-16 code unit is at most 3 bytes of UTF-8, so a short string needs no count.
  if (value.length > maxBytes || (value.length * 3 > maxBytes && Buffer.byteLength(value, 'utf8') > maxBytes)) {
    return `${what} is ${Buffer.byteLength(value, 'utf8')} bytes; at most ${maxBytes}`;
  }
  if (!value.isWellFormed()) return `${what} holds a lone UTF-16 surrogate (not text)`;
  if (NON_CHARACTERS.test(value)) return `${what} holds U+FFFE or U+FFFF (not characters)`;
  return undefined;
}

/** RFC 3339 as Alertmanager writes it (Go's time.Time: any fraction, `Z` or an offset). */
const DateTimeSchema = z.iso.datetime({
  offset: true,
  error: (issue) => `expected an RFC 3339 timestamp, got ${quoted(issue.input, QUOTED_CHARS)}`,
});
const TimestampSchema = DateTimeSchema.transform(normaliseTimestamp);
/** The pattern DateTimeSchema checks, for readAlert. */
const DATETIME = DateTimeSchema._zod.pattern;

const TIMESTAMP_PARTS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;
const NORMAL_TIMESTAMP =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d*[1-9])?Z$/;

/**
 * One spelling per instant, so that an alert's identity does not depend on how its time was
 * written: UTC with `Z`, the fraction (up to nanoseconds, as Go writes it) without trailing
 * zeros. `…T02:14:05+00:00`, `…T02:14:05.000Z` and `…T04:14:05+02:00` are all `…T02:14:05Z`.
 * Alertmanager's zero time (`0001-01-01T00:00:00Z`) stays as it is.
 */
export function normaliseTimestamp(text: string): string {
  // Already so (Go writes UTC as `Z` and drops trailing zeros): no day past the 28th, which every
  // month has, so the instant exists and would be written back unchanged.
  if (NORMAL_TIMESTAMP.test(text)) return text;
  const match = TIMESTAMP_PARTS.exec(text);
  if (match === null) return text;
  const [, seconds, fraction = '', zone] = match;
  const utc = new Date(`${seconds}${zone === 'z' ? 'Z' : zone}`);
  if (Number.isNaN(utc.getTime())) return text;
  // Years 0001–9999 only: RFC 3339 has four digits, and toISOString writes others with a sign.
  if (utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999) return text;
  const whole = utc.toISOString().slice(0, 19);
  const digits = fraction.replace(/0+$/, '');
  return `${whole}${digits === '' ? '' : `.${digits}`}Z`;
}

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
 * An alert exactly as AlertSchema parses it (same fields, same order, same values), when it is
 * valid; undefined when anything is off, and AlertSchema then names the problems. A group's
 * alerts are nearly always valid: this takes them without zod's per-field results, issue lists and
 * result objects, about half the memory per alert, so a large group sets off fewer scavenges and
 * leaves none of zod's objects for V8 to pretenure (`npm run bench:webhook` shows both).
 */
export function readAlert(raw: unknown): Alert | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint } = raw as Record<string, unknown>;
  if (status !== 'firing' && status !== 'resolved') return undefined;
  if (!isTimestamp(startsAt) || !isTimestamp(endsAt)) return undefined;
  if (typeof generatorURL !== 'string' || textProblem(generatorURL, WEBHOOK_LIMITS.textBytes) !== undefined) {
    return undefined;
  }
  if (typeof fingerprint !== 'string' || fingerprint.length > WEBHOOK_LIMITS.fingerprintChars) return undefined;
  if (!FINGERPRINT.test(fingerprint)) return undefined;
  const labelSet = readLabelSet(labels);
  const annotationSet = labelSet === undefined ? undefined : readLabelSet(annotations);
  if (labelSet === undefined || annotationSet === undefined) return undefined;
  return {
    status,
    labels: labelSet,
    annotations: annotationSet,
    startsAt: normaliseTimestamp(startsAt),
    endsAt: normaliseTimestamp(endsAt),
    generatorURL,
    fingerprint,
  };
}

/** The JSON of an alert with empty strings and empty sets: its keys, quotes, colons and braces. */
const ALERT_JSON_SKELETON = JSON.stringify({
  status: '',
  labels: {},
  annotations: {},
  startsAt: '',
  endsAt: '',
  generatorURL: '',
  fingerprint: '',
}).length;

/**
 * At least `Buffer.byteLength(JSON.stringify(alert))`, counted without writing it: JSON takes no
 * more than six bytes for a UTF-16 code unit (`\u001f`, or a lone surrogate; a pair takes four),
 * and an entry of a set adds its quotes, colon and comma. A group's alerts are far below the
 * limit, so only the rare one near it is written out to be measured.
 */
export function alertJsonBytesAtMost(alert: Alert): number {
  const { status, startsAt, endsAt, generatorURL, fingerprint } = alert;
  const units = status.length + startsAt.length + endsAt.length + generatorURL.length + fingerprint.length;
  return ALERT_JSON_SKELETON + 6 * units + setJsonBytesAtMost(alert.labels) + setJsonBytesAtMost(alert.annotations);
}

/** A label set's share of alertJsonBytesAtMost. `for…in` allocates nothing, and counting more keys than are own only raises the bound. */
function setJsonBytesAtMost(set: Record<string, string>): number {
  let bytes = 0;
  for (const key in set) bytes += 6 * (key.length + String(set[key]).length) + 6;
  return bytes;
}

function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && DATETIME.test(value);
}

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

/** `alerts[0].labels.pod: expected a string` from a zod issue. */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    const key = String(part);
    return acc === '' ? key : `${acc}.${key}`;
  }, '');
  return `${path === '' ? '(body)' : path}: ${issue.message}`;
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
