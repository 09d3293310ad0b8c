import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import * as z from 'zod';

import { isTimestamp, readWebhook, readWebhookBody, WEBHOOK_LIMITS } from '../../../lib/alert/read.ts';
import { parseWebhook } from '../../../lib/alert/schema.ts';
import { ValidationError } from '../../../lib/errors.ts';
import { FIXTURES, readFixture } from '../../helpers/fixtures.ts';

const samples = readdirSync(join(FIXTURES, 'alerts')).filter((name) => name.endsWith('.json'));
const sample = JSON.parse(readFixture('alerts/crashlooping-single.json')) as Record<string, unknown>;

/** What parseWebhook makes of `raw`, or its refusal's message. */
function throughZod(raw: unknown): unknown {
  try {
    return parseWebhook(raw);
  } catch (error) {
    if (error instanceof ValidationError) return { refused: error.message };
    throw error;
  }
}

describe('readWebhook', () => {
  it.each(samples)('reads the Alertmanager sample %s as parseWebhook does', (name) => {
    const raw = JSON.parse(readFixture(`alerts/${name}`)) as unknown;
    const fast = readWebhook(raw);

    expect(fast).toBeDefined();
    expect(JSON.stringify(fast)).toBe(JSON.stringify(throughZod(raw)));
    expect(fast).toEqual(throughZod(raw));
  });

  it('leaves a body with any problem to parseWebhook, which names it', () => {
    const alert = (sample.alerts as Record<string, unknown>[])[0]!;
    const broken: unknown[] = [
      { ...sample, version: 4 },
      { ...sample, truncatedAlerts: null },
      { ...sample, truncatedAlerts: -1 },
      { ...sample, truncatedAlerts: 1.5 },
      { ...sample, status: 'ok' },
      { ...sample, receiver: 7 },
      { ...sample, groupLabels: [] },
      { ...sample, commonAnnotations: { summary: 3 } },
      { ...sample, externalURL: 'x'.repeat(WEBHOOK_LIMITS.textBytes + 1) },
      { ...sample, alerts: {} },
      { ...sample, alerts: [{ ...alert, startsAt: '2026-02-29T00:00:00Z' }] },
      {
        ...sample,
        alerts: [
          {
            ...alert,
            annotations: { description: 'd'.repeat(WEBHOOK_LIMITS.valueBytes) },
            labels: Object.fromEntries(
              Array.from({ length: 5 }, (_, i) => [`l${i}`, 'v'.repeat(WEBHOOK_LIMITS.valueBytes)]),
            ),
          },
        ],
      },
      null,
      [],
      7,
    ];
    for (const raw of broken) {
      expect(readWebhook(raw)).toBeUndefined();
      expect(throughZod(raw)).toEqual({ refused: expect.stringContaining('invalid Alertmanager webhook') });
    }
    const { truncatedAlerts: _, ...uncounted } = sample;
    expect(readWebhook(uncounted)).toEqual(throughZod(uncounted));
    expect(readWebhook(uncounted)?.truncatedAlerts).toBe(0);
  });

  it('takes only bodies parseWebhook takes, and makes the same of them; most valid ones (property)', () => {
    const alerts = sample.alerts as Record<string, unknown>[];
    const anything = fc.oneof(fc.string(), fc.jsonValue(), fc.constant(undefined));
    const mostly = <T>(kind: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 12, arbitrary: kind }, { weight: 1, arbitrary: anything });
    const labels = mostly(fc.dictionary(fc.string(), fc.oneof({ weight: 20, arbitrary: fc.string() }, fc.jsonValue())));
    const body = fc.record(
      {
        version: mostly(fc.constantFrom('4', '4', '4', '3')),
        groupKey: mostly(fc.string()),
        truncatedAlerts: mostly(fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(undefined))),
        receiver: mostly(fc.string()),
        status: mostly(fc.constantFrom('firing', 'resolved', 'Firing')),
        alerts: mostly(
          fc.array(
            fc.oneof(
              { weight: 8, arbitrary: fc.constantFrom(...alerts) },
              fc.date({ noInvalidDate: true }).map((date) => ({ ...alerts[0]!, startsAt: date.toISOString() })),
              anything,
            ),
            { maxLength: 4 },
          ),
        ),
        groupLabels: labels,
        commonLabels: labels,
        commonAnnotations: labels,
        externalURL: mostly(fc.webUrl()),
        extra: anything,
      },
      {
        requiredKeys: [
          'version',
          'groupKey',
          'receiver',
          'status',
          'alerts',
          'groupLabels',
          'commonLabels',
          'commonAnnotations',
          'externalURL',
        ],
      },
    );

    let taken = 0;
    let valid = 0;
    fc.assert(
      fc.property(body, (raw) => {
        const fast = readWebhook(raw);
        const zod = throughZod(raw);
        if (!(typeof zod === 'object' && zod !== null && 'refused' in zod)) valid += 1;
        if (fast === undefined) return;
        taken += 1;
        expect(JSON.stringify(fast)).toBe(JSON.stringify(zod));
        expect(fast).toEqual(zod);
      }),
      { numRuns: 2_000 },
    );
    // Both sides are reached, and the bodies parseWebhook takes are taken here too.
    expect(taken).toBeGreaterThan(100);
    expect(taken).toBe(valid);
  });
});

describe('isTimestamp', () => {
  const schema = z.iso.datetime({ offset: true });

  it('takes exactly the timestamps the schema’s datetime check takes (property)', () => {
    const digits = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`));
    const shaped = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), fc.constantFrom('', '.1', '.123456789'))
      .chain(([y, mo, d, h, mi, s, fraction]) =>
        fc
          .constantFrom('Z', 'z', '+02:00', '-23:59', '+24:00', '+0200', '')
          .map((zone) => `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${zone}`),
      );
    const days = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 27, max: 31 }))
      .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${d}T00:00:00Z`);
    const iso = fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
    fc.assert(
      fc.property(fc.oneof(shaped, days, iso, fc.string()), (text) => {
        expect(isTimestamp(text)).toBe(schema.safeParse(text).success);
      }),
      { numRuns: 5_000 },
    );
    for (const year of ['1900', '2000', '2024', '2026', '2100', '0000']) {
      const text = `${year}-02-29T12:00:00Z`;
      expect(isTimestamp(text)).toBe(schema.safeParse(text).success);
    }
  });
});

describe('readWebhookBody', () => {
  it('gives a valid body as parseWebhook does, and a bad one parseWebhook’s refusal', async () => {
    const text = readFixture('alerts/crashlooping-single.json');
    await expect(readWebhookBody(text)).resolves.toEqual(parseWebhook(text));

    const bad = JSON.stringify({ ...sample, status: 'ok' });
    await expect(readWebhookBody(bad)).rejects.toThrow(
      new ValidationError((throughZod(bad) as { refused: string }).refused),
    );
    await expect(readWebhookBody('{"version": ')).rejects.toThrow(/^body is not valid JSON: /);
    // Decoded once: a JSON string holding a webhook is a string, not a webhook.
    const twice = JSON.stringify(text);
    await expect(readWebhookBody(twice)).rejects.toThrow(
      new ValidationError((throughZod(twice) as { refused: string }).refused),
    );
    await expect(readWebhookBody(twice)).rejects.toThrow('(body): Invalid input: expected object, received string');
    await expect(readWebhookBody('{"version": ')).rejects.toBeInstanceOf(ValidationError);
  });
});
