import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { alertId } from '../../../lib/alert/identity.ts';
import {
  alertJsonBytesAtMost,
  AlertSchema,
  normaliseTimestamp,
  parseWebhook,
  readAlert,
  textProblem,
  WEBHOOK_LIMITS,
} from '../../../lib/alert/schema.ts';
import { ValidationError } from '../../../lib/errors.ts';
import { FIXTURES, readFixture } from '../../helpers/fixtures.ts';

const valid = readdirSync(join(FIXTURES, 'alerts')).filter((name) => name.endsWith('.json'));

function refusal(body: unknown): ValidationError {
  try {
    parseWebhook(body);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the body to be refused');
}

describe('parseWebhook', () => {
  it.each(valid)('parses the Alertmanager sample %s', (name) => {
    const webhook = parseWebhook(readFixture(`alerts/${name}`));

    expect(webhook.version).toBe('4');
    expect(webhook.alerts.length).toBeGreaterThan(0);
    for (const alert of webhook.alerts) {
      expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(typeof alert.labels.alertname).toBe('string');
    }
  });

  it('keeps every field of a firing alert, including the zero endsAt Alertmanager sends', () => {
    const webhook = parseWebhook(readFixture('alerts/crashlooping-single.json'));

    expect(webhook).toMatchObject({
      receiver: 'kubemend',
      status: 'firing',
      groupKey: '{}/{}:{alertname="KubePodCrashLooping", namespace="payments"}',
      truncatedAlerts: 0,
      externalURL: 'http://alertmanager.monitoring.svc:9093',
    });
    expect(webhook.groupLabels).toEqual({ alertname: 'KubePodCrashLooping', namespace: 'payments' });
    expect(webhook.commonAnnotations.summary).toBe('Pod is crash looping.');
    expect(webhook.alerts[0]).toMatchObject({
      status: 'firing',
      startsAt: '2026-11-26T02:14:05.123Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: 'db557f6812d5890b',
    });
  });

  it.each([
    ['alerts-not-array.json', 'alerts: '],
    ['bad-timestamp.json', 'alerts[0].startsAt: expected an RFC 3339 timestamp, got "yesterday"'],
    ['missing-version.json', 'version: '],
  ])('refuses %s with a message naming the field', (name, expected) => {
    const error = refusal(readFixture(`alerts/invalid/${name}`));

    expect(error.message).toContain(expected);
    expect(error.issues.some((issue) => issue.startsWith(expected.split(':')[0] ?? ''))).toBe(true);
  });

  it('refuses a body that is not JSON, saying so', () => {
    expect(refusal('{"receiver": ').message).toMatch(/^body is not valid JSON/);
  });

  it('names a label whose value is not a string by its path', () => {
    const body = JSON.parse(readFixture('alerts/crashlooping-single.json')) as {
      alerts: { labels: Record<string, unknown> }[];
    };
    body.alerts[0]!.labels.restarts = 7;

    expect(refusal(body).issues).toContain('alerts[0].labels.restarts: expected a string, got number');
  });

  it('accepts fields newer Alertmanagers add and timestamps with nanoseconds or offsets, in UTC', () => {
    const body = JSON.parse(readFixture('alerts/crashlooping-single.json')) as Record<string, unknown> & {
      alerts: Record<string, unknown>[];
    };
    body.routeLabels = { receiver: 'kubemend' };
    body.alerts[0]!.startsAt = '2026-11-26T02:14:05.123456789+02:00';

    expect(parseWebhook(body).alerts[0]!.startsAt).toBe('2026-11-26T00:14:05.123456789Z');
  });

  it.each([
    ['2026-11-26T02:14:05Z', '2026-11-26T02:14:05Z'],
    ['2026-11-26T02:14:05+00:00', '2026-11-26T02:14:05Z'],
    ['2026-11-26T02:14:05.000Z', '2026-11-26T02:14:05Z'],
    ['2026-11-26T04:14:05.000+02:00', '2026-11-26T02:14:05Z'],
    ['2026-11-26T02:14:05.120z', '2026-11-26T02:14:05.12Z'],
    ['2026-11-26T00:30:00-05:00', '2026-11-26T05:30:00Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
    ['2028-02-29T23:59:59.5Z', '2028-02-29T23:59:59.5Z'],
    ['2026-01-31T00:00:00Z', '2026-01-31T00:00:00Z'],
    ['2026-02-29T00:00:00Z', '2026-03-01T00:00:00Z'],
    ['2026-04-31T00:00:00Z', '2026-05-01T00:00:00Z'],
    ['2026-11-26T24:00:00Z', '2026-11-27T00:00:00Z'],
  ])('writes the instant %s one way, %s, so that its alert keeps one identity', (written, normal) => {
    expect(normaliseTimestamp(written)).toBe(normal);
  });

  it('writes every spelling of an instant one way, and different instants differently (property)', () => {
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    /** `seconds` (whole seconds since the epoch) written in the zone `offset` minutes east of UTC. */
    const spell = (seconds: number, fraction: string, offset: number, zone: 'Z' | 'z' | 'offset') => {
      const local = new Date((seconds + offset * 60) * 1000);
      const stamp =
        `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
        `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
      const sign = offset < 0 ? '-' : '+';
      const written =
        zone === 'offset' ? `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}` : zone;
      return `${stamp}${fraction === '' ? '' : `.${fraction}`}${written}`;
    };
    const instant = fc.record({
      // 1970 to 9000: far from the edges of four-digit years whatever the offset.
      seconds: fc.integer({ min: 0, max: 221_845_392_000 }),
      fraction: fc.stringMatching(/^\d{0,9}$/),
    });
    const spelling = fc.record({
      zeros: fc.integer({ min: 0, max: 3 }),
      offset: fc.integer({ min: -14 * 60, max: 14 * 60 }),
      zone: fc.constantFrom('Z' as const, 'z' as const, 'offset' as const),
    });

    fc.assert(
      fc.property(instant, spelling, spelling, ({ seconds, fraction }, a, b) => {
        const write = (s: typeof a) =>
          normaliseTimestamp(
            spell(seconds, fraction + '0'.repeat(s.zeros), s.zone === 'offset' ? s.offset : 0, s.zone),
          );
        const one = write(a);
        expect(write(b)).toBe(one);
        expect(one).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/);
        // The same instant: the whole seconds and the fraction's value are kept.
        expect(Date.parse(one.replace(/\.\d+/, '')) / 1000).toBe(seconds);
        expect(Number(`0.${one.match(/\.(\d+)Z$/)?.[1] ?? '0'}`)).toBe(Number(`0.${fraction || '0'}`));
      }),
    );
    fc.assert(
      fc.property(instant, instant, (x, y) => {
        fc.pre(x.seconds !== y.seconds || Number(`0.${x.fraction || '0'}`) !== Number(`0.${y.fraction || '0'}`));
        expect(normaliseTimestamp(spell(x.seconds, x.fraction, 0, 'Z'))).not.toBe(
          normaliseTimestamp(spell(y.seconds, y.fraction, 0, 'Z')),
        );
      }),
    );
  });

  it('gives one instant written three ways one identity', () => {
    const body = JSON.parse(readFixture('alerts/crashlooping-single.json')) as { alerts: Record<string, unknown>[] };
    const ids = ['2026-11-26T02:14:05Z', '2026-11-26T02:14:05+00:00', '2026-11-26T02:14:05.000Z'].map((startsAt) => {
      body.alerts[0]!.startsAt = startsAt;
      return alertId(parseWebhook(JSON.parse(JSON.stringify(body))).alerts[0]!);
    });

    expect(new Set(ids).size).toBe(1);
  });

  it('refuses lone surrogates and non-characters, which would merge two fingerprints or be refused by SQS', () => {
    const text = readFixture('alerts/crashlooping-single.json');

    expect(refusal(text.replace('"db557f6812d5890b"', '"db557f6812d5\\ud800"')).issues).toEqual([
      expect.stringMatching(/^alerts\[0\]\.fingerprint: printable ASCII only/),
    ]);
    expect(refusal(text.replace('"app"', '"app\\udc00"')).issues).toEqual([
      'alerts[0].labels.container: value holds a lone UTF-16 surrogate (not text)',
    ]);
    expect(refusal(text.replace('"Pod is crash looping."', '"Pod is crash looping.\\uffff"')).issues).toContain(
      'alerts[0].annotations.summary: value holds U+FFFE or U+FFFF (not characters)',
    );
  });

  it('bounds every string to what the store and the queue take', () => {
    const body = JSON.parse(readFixture('alerts/crashlooping-single.json')) as {
      receiver: string;
      alerts: { labels: Record<string, string>; annotations: Record<string, string>; fingerprint: string }[];
    };
    body.alerts[0]!.labels.pod = 'p'.repeat(WEBHOOK_LIMITS.valueBytes + 1);
    body.alerts[0]!.fingerprint = 'f'.repeat(WEBHOOK_LIMITS.fingerprintChars + 1);
    body.receiver = 'r'.repeat(WEBHOOK_LIMITS.textBytes + 1);

    expect(refusal(body).issues).toEqual([
      `receiver: value is ${WEBHOOK_LIMITS.textBytes + 1} bytes; at most ${WEBHOOK_LIMITS.textBytes}`,
      `alerts[0].labels.pod: value is ${WEBHOOK_LIMITS.valueBytes + 1} bytes; at most ${WEBHOOK_LIMITS.valueBytes}`,
      `alerts[0].fingerprint: at most ${WEBHOOK_LIMITS.fingerprintChars} characters`,
    ]);
  });

  it('refuses an alert too large for a queue message as a whole, though each field is within bounds', () => {
    const body = JSON.parse(readFixture('alerts/crashlooping-single.json')) as {
      alerts: { annotations: Record<string, string> }[];
    };
    for (let i = 0; i < 5; i += 1) body.alerts[0]!.annotations[`note${i}`] = 'n'.repeat(WEBHOOK_LIMITS.valueBytes);

    expect(refusal(body).issues).toEqual([
      expect.stringMatching(new RegExp(`^alerts\\[0\\]: \\d+ bytes as JSON; at most ${WEBHOOK_LIMITS.alertBytes}$`)),
    ]);
  });

  it('describes a deeply nested value by its kind instead of walking it, and bounds a label set', () => {
    const body = JSON.parse(readFixture('alerts/crashlooping-single.json')) as Record<string, unknown>;

    const deep = refusal({ ...body, version: JSON.parse(`${'['.repeat(5_000)}${']'.repeat(5_000)}`) as unknown });
    expect(deep.issues).toEqual(['version: expected "4", got an array']);

    const labels = Object.fromEntries(Array.from({ length: WEBHOOK_LIMITS.labels + 1 }, (_, i) => [`l${i}`, 1]));
    expect(refusal({ ...body, commonLabels: labels }).issues).toEqual([
      `commonLabels: ${WEBHOOK_LIMITS.labels + 1} entries; at most ${WEBHOOK_LIMITS.labels}`,
    ]);
  });

  it('leaves a time whose UTC year RFC 3339 cannot write as it was', () => {
    expect(normaliseTimestamp('0001-01-01T00:30:00+01:00')).toBe('0001-01-01T00:30:00+01:00');
  });

  it('answers 100,000 broken alerts with the first problems and a count of the rest, in bounded work', () => {
    const body = JSON.parse(readFixture('alerts/crashlooping-single.json')) as { alerts: unknown[] };
    body.alerts = Array.from({ length: WEBHOOK_LIMITS.alerts }, () => ({}));

    const error = refusal(body);

    expect(error.issues).toHaveLength(WEBHOOK_LIMITS.issuesReported + 1);
    expect(error.issues.at(-1)).toMatch(/^… and \d+ more problems$/);
    expect(error.message.length).toBeLessThan(5_000);

    body.alerts = Array.from({ length: 100_000 }, () => ({}));
    expect(refusal(body).issues).toEqual([`alerts: at most ${WEBHOOK_LIMITS.alerts} alerts in one notification`]);
  });

  it('keeps a __proto__ label as data without touching any prototype', () => {
    const text = readFixture('alerts/crashlooping-single.json').replace(
      '"alertname": "KubePodCrashLooping",',
      '"alertname": "KubePodCrashLooping", "__proto__": {"polluted": "yes"}, "constructor": "x",',
    );
    const refused = refusal(text);
    expect(refused.issues).toContain('alerts[0].labels.__proto__: expected a string, got object');

    const webhook = parseWebhook(text.replace('"__proto__": {"polluted": "yes"}', '"__proto__": "yes"'));
    const labels = webhook.alerts[0]!.labels;
    expect(Object.getPrototypeOf(labels)).toBeNull();
    expect(Object.hasOwn(labels, '__proto__')).toBe(true);
    expect(labels.constructor).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(labels.toString).toBeUndefined();
  });

  it('either parses or throws a ValidationError for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseWebhook(value);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps arbitrary label sets exactly as sent', () => {
    const template = JSON.parse(readFixture('alerts/crashlooping-single.json')) as { alerts: { labels: unknown }[] };
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), (labels) => {
        template.alerts[0]!.labels = labels;
        const parsed = parseWebhook(JSON.parse(JSON.stringify(template)));
        expect({ ...parsed.alerts[0]!.labels }).toEqual(JSON.parse(JSON.stringify(labels)));
      }),
      { numRuns: 200 },
    );
  });
});

/** What AlertSchema makes of `raw`, or undefined when it refuses it. */
function throughZod(raw: unknown) {
  const parsed = AlertSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Equal as data, in the same key order, with label sets on null prototypes alike. */
function expectSameAlert(fast: unknown, zod: unknown) {
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod));
  expect(fast).toEqual(zod);
  if (fast === undefined) return;
  const [a, b] = [fast, zod] as Record<string, object>[];
  expect(Object.getPrototypeOf(a!.labels)).toBe(Object.getPrototypeOf(b!.labels));
  expect(Object.getPrototypeOf(a!.annotations)).toBe(Object.getPrototypeOf(b!.annotations));
}

describe('readAlert', () => {
  const sample = (JSON.parse(readFixture('alerts/crashlooping-single.json')) as { alerts: Record<string, unknown>[] })
    .alerts[0]!;

  it.each(valid)('takes every alert of the sample %s as AlertSchema parses it', (name) => {
    const body = JSON.parse(readFixture(`alerts/${name}`)) as { alerts: unknown[] };
    for (const raw of body.alerts) {
      const fast = readAlert(raw);
      expect(fast).toBeDefined();
      expectSameAlert(fast, throughZod(raw));
    }
  });

  it('leaves an alert with any problem to AlertSchema, which names it', () => {
    const broken: Record<string, unknown>[] = [
      { ...sample, status: 'Firing' },
      { ...sample, labels: { ...(sample.labels as object), restarts: 7 } },
      { ...sample, annotations: [] },
      { ...sample, startsAt: 'yesterday' },
      { ...sample, endsAt: '2026-11-26T02:14:05' },
      { ...sample, generatorURL: 'u'.repeat(WEBHOOK_LIMITS.textBytes + 1) },
      { ...sample, fingerprint: '' },
      { ...sample, fingerprint: 'f'.repeat(WEBHOOK_LIMITS.fingerprintChars + 1) },
      { ...sample, fingerprint: 'db55 7f68' },
    ];
    for (const raw of broken) {
      expect(readAlert(raw)).toBeUndefined();
      expect(AlertSchema.safeParse(raw).success).toBe(false);
    }
    const { fingerprint: _, ...missing } = sample;
    expect(readAlert(missing)).toBeUndefined();
    for (const raw of [null, [], 'alert', 4]) expect(readAlert(raw)).toBeUndefined();
  });

  it('keeps label keys in order and as data, and leaves a set with symbol keys to AlertSchema', () => {
    const labels = JSON.parse('{"b": "1", "__proto__": "p", "2": "x", "a": "2", "1": "y"}') as Record<string, string>;
    const fast = readAlert({ ...sample, labels });

    expectSameAlert(fast, throughZod({ ...sample, labels }));
    expect(Object.keys(fast!.labels)).toEqual(['1', '2', 'b', '__proto__', 'a']);
    expect(Object.getPrototypeOf(fast!.labels)).toBeNull();
    expect(Object.hasOwn(fast!.labels, '__proto__')).toBe(true);

    const tagged = { ...sample, annotations: { summary: 's', [Symbol('tag')]: 'x' } };
    expect(readAlert(tagged)).toBeUndefined();
    expect(Object.getOwnPropertySymbols(throughZod(tagged)!.annotations)).toEqual([]);
  });

  it('takes exactly the alerts AlertSchema takes, and makes the same of them (property)', () => {
    const edge = fc.constantFrom(
      '',
      'x',
      '\ud800',
      'a\udc00b',
      '\ufffe',
      '\uffff',
      '😀',
      'é'.repeat(WEBHOOK_LIMITS.textBytes / 2),
      'é'.repeat(WEBHOOK_LIMITS.textBytes / 2 + 1),
      'x'.repeat(WEBHOOK_LIMITS.textBytes),
      'x'.repeat(WEBHOOK_LIMITS.textBytes + 1),
      'n'.repeat(WEBHOOK_LIMITS.nameBytes + 1),
    );
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), edge);
    const anything = fc.oneof(text, fc.jsonValue(), fc.constant(undefined));
    /** Mostly a value of the field's kind, sometimes anything at all. */
    const mostly = <T>(kind: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 15, arbitrary: kind }, { weight: 1, arbitrary: anything });
    const labelSet = mostly(
      fc.oneof(
        {
          weight: 4,
          arbitrary: fc.dictionary(
            fc.oneof({ weight: 20, arbitrary: fc.string() }, text),
            fc.oneof({ weight: 40, arbitrary: fc.string() }, text, fc.jsonValue()),
          ),
        },
        { weight: 4, arbitrary: fc.constant(sample.labels) },
        fc.constant(Object.fromEntries(Array.from({ length: WEBHOOK_LIMITS.labels + 1 }, (_, i) => [`l${i}`, 'v']))),
      ),
    );
    const timestamp = mostly(
      fc.oneof(
        fc.constantFrom(
          '2026-11-26T02:14:05.123Z',
          '0001-01-01T00:00:00Z',
          '2026-11-26T02:14:05.123456789+02:00',
          '2026-11-26T02:14:05.120z',
          '2026-11-26T02:14:05',
          '2026-11-26T24:00:00Z',
          '2026-02-30T00:00:00Z',
          '2026-11-26T02:14:05+24:00',
          '2026-11-26 02:14:05Z',
        ),
        {
          weight: 6,
          arbitrary: fc
            .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
            .map((date) => date.toISOString()),
        },
      ),
    );
    const fingerprint = mostly(
      fc.oneof(
        { weight: 4, arbitrary: fc.stringMatching(/^[0-9a-f]{16}$/) },
        fc.constantFrom('f'.repeat(WEBHOOK_LIMITS.fingerprintChars), 'f'.repeat(WEBHOOK_LIMITS.fingerprintChars + 1)),
        fc.constantFrom('', 'a b', '~!', 'db55\u00e9'),
      ),
    );
    const alert = fc.record(
      {
        status: mostly(fc.constantFrom('firing', 'resolved', 'firing', 'resolved', 'Firing')),
        labels: labelSet,
        annotations: labelSet,
        startsAt: timestamp,
        endsAt: timestamp,
        generatorURL: mostly(fc.oneof({ weight: 6, arbitrary: fc.webUrl() }, text)),
        fingerprint,
        extra: anything,
      },
      { requiredKeys: ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'] },
    );
    const candidate = fc.oneof(
      { weight: 12, arbitrary: alert },
      {
        weight: 1,
        arbitrary: fc.record({ status: anything, labels: labelSet, extra: anything }, { requiredKeys: [] }),
      },
      { weight: 1, arbitrary: anything },
    );

    let taken = 0;
    fc.assert(
      fc.property(candidate, (raw) => {
        const fast = readAlert(raw);
        if (fast !== undefined) taken += 1;
        expectSameAlert(fast, throughZod(raw));
      }),
      { numRuns: 2_000 },
    );
    // The generator reaches both sides, often: alerts taken and alerts refused.
    expect(taken).toBeGreaterThan(200);
    expect(taken).toBeLessThan(1_800);
  });
});

describe('alertJsonBytesAtMost', () => {
  it('is never below the bytes of the alert as JSON, whatever its strings hold (property)', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('\u0000', '"', '\\', '\ud800', '😀', '€', '\n') }),
      // Strings that take all six bytes a code unit may: the bound is tight for them.
      fc.string({ unit: fc.constantFrom('\u0001', '\udc00'), minLength: 30 }),
    );
    const set = fc
      .dictionary(text, text)
      .map((entries) => Object.setPrototypeOf(entries, null) as Record<string, string>);
    const alert = fc.record({
      status: fc.constantFrom('firing' as const, 'resolved' as const),
      labels: set,
      annotations: set,
      startsAt: text,
      endsAt: text,
      generatorURL: text,
      fingerprint: text,
    });

    fc.assert(
      fc.property(alert, (a) => {
        expect(alertJsonBytesAtMost(a)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(a), 'utf8'));
      }),
      { numRuns: 1_000 },
    );
  });

  it('lets the webhook take an alert near the limit that the bound alone would refuse', () => {
    const body = JSON.parse(readFixture('alerts/crashlooping-single.json')) as {
      alerts: { annotations: Record<string, string> }[];
    };
    for (let i = 0; i < 3; i += 1) body.alerts[0]!.annotations[`note${i}`] = 'n'.repeat(WEBHOOK_LIMITS.valueBytes);
    const [alert] = parseWebhook(body).alerts;

    expect(alertJsonBytesAtMost(alert!)).toBeGreaterThan(WEBHOOK_LIMITS.alertBytes);
    expect(Buffer.byteLength(JSON.stringify(alert), 'utf8')).toBeLessThanOrEqual(WEBHOOK_LIMITS.alertBytes);
  });
});

describe('textProblem', () => {
  it('counts UTF-8 bytes, not characters, up to the limit', () => {
    expect(textProblem('é'.repeat(4), 8)).toBeUndefined();
    expect(textProblem('é'.repeat(5), 8)).toBe('value is 10 bytes; at most 8');
    expect(textProblem('€'.repeat(3), 8)).toBe('value is 9 bytes; at most 8');
    expect(textProblem('x'.repeat(8), 8)).toBeUndefined();
    expect(textProblem('😀😀', 8)).toBeUndefined();
    expect(textProblem('😀😀x', 8)).toBe('value is 9 bytes; at most 8');
  });
});
