import { describe, expect, it } from '@jest/globals';

import type { Outcome } from '../../../lib/domain/types.ts';
import { approvalBlocks, slackNotifier, slackResponder } from '../../../lib/notify/slack.ts';
import { alertFixture } from '../../helpers/fixtures.ts';
import { startLoopback } from '../../helpers/loopback.ts';

function waiting(): Outcome {
  return {
    id: 'fp@2026-12-01T02:00:00Z',
    alert: alertFixture(),
    cluster: 'prod',
    stage: 'awaiting-approval',
    reason: 'rollout-undo needs approval: run kubemend approve fp@2026-12-01T02:00:00Z before 2026-12-01T03:00:00Z',
    diagnosis: {
      detector: 'bad-rollout',
      anomaly: 'bad-rollout',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
      summary: 'revision 7 crash loops',
      confidence: 0.9,
      facts: {},
      evidence: [
        { source: 'replicaset', message: 'revision 7: 0 of 3 ready <!channel>' },
        { source: 'pod', message: 'checkout-7-abc: CrashLoopBackOff' },
      ],
    },
    plan: {
      action: 'rollout-undo',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
      params: { toRevision: 6 },
      reason: 'back to the last revision that ran',
    },
    diff: ['spec.template.spec.containers[0].image: app:7 → app:6'],
    timings: { receivedAt: '2026-12-01T02:00:00Z' },
    attempts: 1,
  };
}

describe('an approval notification in Slack', () => {
  it('shows the diagnosis, its evidence, the plan and its diff, with Approve and Reject buttons for the record', () => {
    const blocks = approvalBlocks(waiting(), '*summary*') as {
      type: string;
      text?: { text: string };
      elements?: unknown[];
    }[];
    const texts = blocks.filter((block) => block.type === 'section').map((block) => block.text!.text);

    expect(texts).toEqual([
      '*summary*',
      '*Evidence*\n• revision 7: 0 of 3 ready &lt;!channel&gt;\n• checkout-7-abc: CrashLoopBackOff',
      '*Plan*: `rollout-undo` Deployment/payments/checkout\n• toRevision: 6',
      '*Diff*\n```spec.template.spec.containers[0].image: app:7 → app:6```',
    ]);
    expect(blocks.at(-1)).toMatchObject({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'kubemend-approve',
          style: 'primary',
          value: 'fp@2026-12-01T02:00:00Z',
          confirm: expect.any(Object),
        },
        { type: 'button', action_id: 'kubemend-reject', style: 'danger', value: 'fp@2026-12-01T02:00:00Z' },
      ],
    });
  });

  it('holds each section to Block Kit’s 3,000 characters', () => {
    const long = { ...waiting(), diff: ['x'.repeat(5_000)] };
    const sections = (approvalBlocks(long, 's') as { type: string; text?: { text: string } }[]).filter(
      (b) => b.type === 'section',
    );
    expect(Math.max(...sections.map((b) => b.text!.text.length))).toBe(3000);
  });

  it('is posted with its blocks; other notifications stay text', async () => {
    const received: unknown[] = [];
    const slack = await startLoopback((_request, text, response) => {
      received.push(JSON.parse(text));
      response.end('ok');
    });
    try {
      await slackNotifier(async () => slack.url).notify(waiting());
      await slackNotifier(async () => slack.url).notify({ ...waiting(), stage: 'done', result: 'applied' });
    } finally {
      await slack.close();
    }
    expect(received[0]).toMatchObject({
      text: expect.stringMatching(/^\*kubemend pending-approval/),
      blocks: expect.any(Array),
    });
    expect(received[1]).not.toHaveProperty('blocks');
  });

  it('answers a click on its response_url: the outcome in place of the buttons, or a word to the one who clicked', async () => {
    const received: unknown[] = [];
    const slack = await startLoopback((_request, text, response) => {
      received.push(JSON.parse(text));
      response.end();
    });
    try {
      await slackResponder()(slack.url, { text: 'done', blocks: [] });
      await slackResponder()(slack.url, { text: 'not you', ephemeral: true });
    } finally {
      await slack.close();
    }
    expect(received).toEqual([
      { replace_original: true, text: 'done', blocks: [] },
      { response_type: 'ephemeral', replace_original: false, text: 'not you' },
    ]);
  });
});
