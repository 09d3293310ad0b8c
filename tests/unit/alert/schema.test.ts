import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { parseWebhook } from '../../../lib/alert/schema.ts';
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

  it('accepts fields newer Alertmanagers add and timestamps with nanoseconds or offsets', () => {
    const body = JSON.parse(readFixture('alerts/crashlooping-single.json')) as Record<string, unknown> & {
      alerts: Record<string, unknown>[];
    };
    body.routeLabels = { receiver: 'kubemend' };
    body.alerts[0]!.startsAt = '2026-11-26T02:14:05.123456789+02:00';

    expect(parseWebhook(body).alerts[0]!.startsAt).toBe('2026-11-26T02:14:05.123456789+02:00');
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
