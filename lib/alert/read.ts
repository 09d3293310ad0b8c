import type * as z from 'zod';

import { ValidationError } from '../errors.ts';

// What a webhook carries, read without zod: the receiver takes a valid webhook, which is nearly
// every webhook, without loading zod at all (zod was 44% of its bundle, and its start's largest
// part after Node's own). Anything doubtful goes to the zod schemas in ./schema.ts, loaded then,
// which name every problem; a test holds the two to the same answers.

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
export const QUOTED_CHARS = 60;

/** An alert's fingerprint: one or more printable ASCII characters (no space). */
export const FINGERPRINT = /^[\x21-\x7e]+$/;

/** One alert inside an Alertmanager webhook (AlertSchema in ./schema.ts checks the same). */
export interface Alert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** The Alertmanager webhook body, version 4, as WebhookSchema in ./schema.ts gives it. */
export interface Webhook {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: Alert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
}

export function labelProblem(key: string, value: string): string | undefined {
  return textProblem(key, WEBHOOK_LIMITS.nameBytes, 'name') ?? textProblem(value, WEBHOOK_LIMITS.valueBytes);
}

/**
 * A label set as LabelSetSchema gives it, when it has no problem; undefined at the first one
 * (LabelSetSchema then names them). The copy is a spread given a null prototype: the same own
 * keys, in the same order, as plain data (a `__proto__` key stays a key), but in V8 a fast object
 * of about 120 bytes where Object.create(null) and twelve stores make a dictionary of 1.7 KB.
 */
export function readLabelSet(raw: unknown): Record<string, string> | undefined {
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

/**
 * RFC 3339 with seconds, as Alertmanager writes it (Go's time.Time: any fraction, `Z` or an
 * offset), on a day the calendar has: a part of what the schema's datetime check takes, so that
 * what this takes the schema takes too (anything else goes to the schema).
 */
const TIMESTAMP =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** Days in each month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = TIMESTAMP.exec(value);
  if (match === null) return false;
  const [, year, month, day] = match as unknown as [string, string, string, string];
  const y = Number(year);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return Number(day) <= (month === '02' && leap ? 29 : MONTH_DAYS[Number(month) - 1]!);
}

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

/**
 * A webhook body as WebhookSchema gives it (same fields, same order, same values), when all of it
 * is valid and every alert within its size; undefined when anything is off, and parseWebhook in
 * ./schema.ts then names the problems.
 */
export function readWebhook(raw: unknown): Webhook | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const body = raw as Record<string, unknown>;
  const { version, groupKey, receiver, status, alerts, externalURL } = body;
  // The schema's default fills only a missing count (or undefined); null is a problem it names.
  const truncatedAlerts = body.truncatedAlerts === undefined ? 0 : body.truncatedAlerts;
  if (version !== '4' || (status !== 'firing' && status !== 'resolved')) return undefined;
  if (!isText(groupKey) || !isText(receiver) || !isText(externalURL)) return undefined;
  if (typeof truncatedAlerts !== 'number' || !Number.isSafeInteger(truncatedAlerts) || truncatedAlerts < 0) {
    return undefined;
  }
  if (!Array.isArray(alerts) || alerts.length > WEBHOOK_LIMITS.alerts) return undefined;
  const groupLabels = readLabelSet(body.groupLabels);
  const commonLabels = groupLabels === undefined ? undefined : readLabelSet(body.commonLabels);
  const commonAnnotations = commonLabels === undefined ? undefined : readLabelSet(body.commonAnnotations);
  if (groupLabels === undefined || commonLabels === undefined || commonAnnotations === undefined) return undefined;
  const read: Alert[] = [];
  for (const candidate of alerts as unknown[]) {
    const alert = readAlert(candidate);
    if (alert === undefined || alertJsonBytesAtMost(alert) > WEBHOOK_LIMITS.alertBytes) return undefined;
    read.push(alert);
  }
  return {
    version,
    groupKey,
    truncatedAlerts,
    receiver,
    status,
    alerts: read,
    groupLabels,
    commonLabels,
    commonAnnotations,
    externalURL,
  };
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && textProblem(value, WEBHOOK_LIMITS.textBytes) === undefined;
}

/** A body as JSON data: a string is decoded, anything else is taken as decoded already. */
export function decodeBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new ValidationError(`body is not valid JSON: ${(error as Error).message}`, [], { cause: error });
  }
}

/**
 * A webhook body (a string or decoded JSON) as parseWebhook in ./schema.ts gives it, or its
 * ValidationError: a valid body is read here, and zod is loaded only for one that is not.
 */
export async function readWebhookBody(body: unknown): Promise<Webhook> {
  const raw = decodeBody(body);
  const webhook = readWebhook(raw);
  if (webhook !== undefined) return webhook;
  const { parseWebhookData } = await import('./schema.ts');
  return parseWebhookData(raw);
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
