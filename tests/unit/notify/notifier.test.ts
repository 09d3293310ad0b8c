import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Outcome } from '../../../lib/domain/types.ts';
import { notificationText } from '../../../lib/notify/message.ts';
import { fanOut, notificationKind } from '../../../lib/notify/notifier.ts';
import { slackNotifier } from '../../../lib/notify/slack.ts';
import { alertFixture } from '../../helpers/fixtures.ts';

function outcome(overrides: Partial<Outcome> = {}): Outcome {
  const alert = alertFixture();
  return {
    id: 'fp@2026-11-26T02:14:05.123Z',
    alert,
    cluster: 'prod-eu-west-1',
    stage: 'done',
    result: 'failed',
    reason:
      'rollout-restart was applied but not recovered after 180s: 1 of 3 updated replicas available; this fix has no undo: escalated',
    plan: {
      action: 'rollout-restart',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
      params: {},
      reason: 'crash loop',
    },
    change: 'set kubectl.kubernetes.io/restartedAt=… on deployment payments/checkout',
    verification: {
      status: 'not-recovered',
      detail: '1 of 3 updated replicas available',
      checkedAt: '2026-11-26T02:23:00Z',
    },
    timings: { receivedAt: '2026-11-26T02:20:00Z' },
    attempts: 1,
    ...overrides,
  };
}

/** A diagnosis-only outcome of KubeNodeNotReady, with drain-node suggested. */
function nodeSuggestion(overrides: Partial<Outcome> = {}): Outcome {
  const name = 'ip-10-0-3-17.eu-west-1.compute.internal';
  const base = outcome();
  return outcome({
    alert: { ...base.alert, labels: { alertname: 'KubeNodeNotReady', node: name, severity: 'warning' } },
    result: 'no-action',
    reason: `node ${name} reports NotReady for 6m`,
    plan: undefined,
    change: undefined,
    verification: undefined,
    suggestion: {
      action: 'drain-node',
      target: { kind: 'Node', name },
      params: 'cordonedBefore=false',
      reason: `node ${name} reports NotReady for 6m: move its 4 workload pods to healthy nodes`,
      rule: 'KubeNodeNotReady',
      anomaly: 'node-not-ready',
      enable: 'to enable: add `node-not-ready: drain-node` under rules[KubeNodeNotReady].fixes',
    },
    ...overrides,
  });
}

describe('notifications', () => {
  let server: Server;
  let url: string;
  let received: { body: string; status: number }[] = [];
  let answer = 200;

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), status: answer });
        response.writeHead(answer).end(answer === 200 ? 'ok' : 'invalid_token');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret-part`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('says what happened, where, and links back to the alert and its runbook', () => {
    const { subject, body } = notificationText(outcome());

    expect(subject).toBe(
      'kubemend failed: rollout-restart deployment payments/checkout (KubePodCrashLooping on prod-eu-west-1)',
    );
    expect(body.split('\n')).toEqual([
      'rollout-restart was applied but not recovered after 180s: 1 of 3 updated replicas available; this fix has no undo: escalated',
      'change: set kubectl.kubernetes.io/restartedAt=… on deployment payments/checkout',
      'verification: not-recovered — 1 of 3 updated replicas available',
      `alert: ${alertFixture().generatorURL}`,
      `runbook: ${alertFixture().annotations.runbook_url}`,
      'record: fp@2026-11-26T02:14:05.123Z',
    ]);
  });

  it('is sent for applied, refused, failed and pending approval, and not for dry runs or no action', () => {
    expect(notificationKind(outcome({ result: 'applied' }))).toBe('applied');
    expect(notificationKind(outcome({ result: 'refused' }))).toBe('refused');
    expect(notificationKind(outcome({ stage: 'awaiting-approval', result: undefined }))).toBe('pending-approval');
    expect(notificationKind(outcome({ result: 'dry-run' }))).toBeUndefined();
    expect(notificationKind(outcome({ result: 'no-action' }))).toBeUndefined();
  });

  it('words a suggested fix as a suggestion, never as a refusal or a failure', async () => {
    const suggested = nodeSuggestion();
    const { subject, body } = notificationText(suggested);

    expect(notificationKind(suggested)).toBe('suggested');
    expect(subject).toBe(
      'kubemend suggested: drain-node node/ip-10-0-3-17.eu-west-1.compute.internal (KubeNodeNotReady on prod-eu-west-1)',
    );
    expect(body.split('\n').slice(0, 3)).toEqual([
      'node ip-10-0-3-17.eu-west-1.compute.internal reports NotReady for 6m',
      'suggested: drain-node node/ip-10-0-3-17.eu-west-1.compute.internal (cordonedBefore=false) — not enabled for KubeNodeNotReady',
      'to enable: add `node-not-ready: drain-node` under rules[KubeNodeNotReady].fixes',
    ]);
    expect(`${subject}\n${body}`).not.toMatch(/refused|failed|not allowed/);

    received = [];
    answer = 200;
    await slackNotifier(async () => url).notify(suggested);
    expect(JSON.parse(received[0]!.body)).toEqual({
      text: expect.stringMatching(/^\*kubemend suggested: drain-node node\/.*\n.*\nsuggested: drain-node/),
    });
  });

  it('shows words from an alert in Slack as written: no mention, no link', async () => {
    received = [];
    answer = 200;
    await slackNotifier(async () => url).notify(
      outcome({ reason: 'crashed <!channel> see <https://evil.example|the fix> & more' }),
    );

    const { text } = JSON.parse(received[0]!.body) as { text: string };
    expect(text).toContain('crashed &lt;!channel&gt; see &lt;https://evil.example|the fix&gt; &amp; more');
    expect(text).not.toMatch(/<!channel>|<https:/);
  });

  it('tells people of a diagnosis only when it comes with a suggested fix', () => {
    expect(notificationKind(nodeSuggestion({ result: 'no-action', suggestion: undefined }))).toBeUndefined();
  });

  it('posts to a Slack incoming webhook, and names only the status when Slack refuses', async () => {
    received = [];
    answer = 200;
    await slackNotifier(async () => url).notify(outcome());

    expect(JSON.parse(received[0]!.body)).toEqual({
      text: expect.stringMatching(
        /^\*kubemend failed: rollout-restart deployment payments\/checkout .*\*\nrollout-restart was applied/,
      ),
    });

    answer = 403;
    const failure = slackNotifier(async () => url).notify(outcome());
    await expect(failure).rejects.toThrow('Slack answered 403 Forbidden');
    await expect(failure).rejects.not.toThrow(/secret-part/);
  });

  it('fans out to every notifier and reports a failing one without stopping the others', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const notifier = fanOut(
      [{ notify: async () => Promise.reject(new Error('down')) }, { notify: async (o) => void seen.push(o.id) }],
      (error) => errors.push(error),
    );

    await notifier.notify(outcome());

    expect(seen).toEqual(['fp@2026-11-26T02:14:05.123Z']);
    expect(errors).toHaveLength(1);
  });
});
