import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { UnauthorizedError, ValidationError } from '../../../lib/errors.ts';
import type { AlertMessage } from '../../../lib/pipeline/messages.ts';
import { checkWebhookCredential, constantTimeEqual } from '../../../lib/receiver/auth.ts';
import { receiveWebhook } from '../../../lib/receiver/receive.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { recordingQueue } from '../../helpers/support.ts';

const SECRET = 'x'.repeat(12) + '-local-test';
const clock = () => new Date('2026-11-26T02:20:00Z');

describe('webhook credential', () => {
  it('accepts the secret as a Bearer token or as the Basic auth password', () => {
    expect(() => checkWebhookCredential(`Bearer ${SECRET}`, SECRET)).not.toThrow();
    const basic = Buffer.from(`alertmanager:${SECRET}`).toString('base64');
    expect(() => checkWebhookCredential(`Basic ${basic}`, SECRET)).not.toThrow();
  });

  it('refuses a missing, malformed or wrong credential', () => {
    expect(() => checkWebhookCredential(undefined, SECRET)).toThrow(
      new UnauthorizedError('missing Authorization header (Bearer token or Basic auth)'),
    );
    expect(() => checkWebhookCredential('Bearer', SECRET)).toThrow(UnauthorizedError);
    expect(() => checkWebhookCredential(`Bearer ${SECRET}x`, SECRET)).toThrow(
      new UnauthorizedError('wrong webhook credential'),
    );
    expect(() => checkWebhookCredential(`Token ${SECRET}`, SECRET)).toThrow(UnauthorizedError);
  });

  it('compares equal strings as equal and any other pair as different', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => constantTimeEqual(a, b) === (a === b)));
  });
});

describe('receiveWebhook', () => {
  it('hands each alert of a group on and counts them', async () => {
    const alerts = recordingQueue<AlertMessage>();

    const summary = await receiveWebhook(readFixture('alerts/grouped-namespace.json'), { alerts, clock });

    expect(summary).toEqual({ accepted: 3, firing: 3, resolved: 0, duplicates: 0, truncated: 0 });
    expect(alerts.sent.map((sent) => sent.alert.fingerprint)).toEqual([
      'db557f6812d5890b',
      'fca317a195ae607f',
      '21d42e261cbb7ebf',
    ]);
    expect(alerts.sent[0]).toMatchObject({
      kind: 'alert',
      receivedAt: '2026-11-26T02:20:00.000Z',
      receiver: 'kubemend',
    });
  });

  it('counts resolved alerts and reports truncation', async () => {
    const alerts = recordingQueue<AlertMessage>();
    const body = JSON.parse(readFixture('alerts/resolved.json')) as Record<string, unknown>;
    body.truncatedAlerts = 4;

    expect(await receiveWebhook(body, { alerts, clock })).toMatchObject({ accepted: 1, resolved: 1, truncated: 4 });
  });

  it('queues nothing for a malformed body', async () => {
    const alerts = recordingQueue<AlertMessage>();

    await expect(
      receiveWebhook(readFixture('alerts/invalid/bad-timestamp.json'), { alerts, clock }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(alerts.sent).toEqual([]);
  });
});
