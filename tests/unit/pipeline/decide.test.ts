import { describe, expect, it } from '@jest/globals';

import type { Outcome } from '../../../lib/domain/types.ts';
import { ClusterUnreachableError, ValidationError } from '../../../lib/errors.ts';
import type { SlackAnswer } from '../../../lib/notify/slack.ts';
import { decideFromSlack, type DecideDeps } from '../../../lib/pipeline/decide.ts';
import { decisionProof } from '../../../lib/pipeline/decision-proof.ts';
import type { DecisionMessage } from '../../../lib/pipeline/messages.ts';
import { alertFixture } from '../../helpers/fixtures.ts';
import { silentLogger, testConfig } from '../../helpers/support.ts';

const config = testConfig({ slack: { approvers: { U024BE7LH: 'alice@example.com' } } });

const SECRET = 'the-slack-apps-signing-secret';

/** A decision as the receiver queues it, with its proof. */
function decision(
  overrides: Partial<DecisionMessage['slack']> = {},
  decided: 'approve' | 'reject' = 'approve',
): DecisionMessage {
  const taken = {
    kind: 'decision' as const,
    id: 'fp@2026-12-01T02:00:00Z',
    decision: decided,
    slack: {
      userId: 'U024BE7LH',
      userName: 'alice',
      responseUrl: 'https://hooks.slack.com/actions/T1/2/x',
      ...overrides,
    },
    receivedAt: '2026-12-01T03:00:00Z',
  };
  return { ...taken, proof: decisionProof(taken, SECRET) };
}

function harness(overrides: Partial<DecideDeps> = {}) {
  const calls: string[] = [];
  const answers: { url: string; answer: SlackAnswer }[] = [];
  const outcome = (result: Outcome['result']): Outcome => ({
    id: 'fp@2026-12-01T02:00:00Z',
    alert: alertFixture(),
    stage: 'done',
    result,
    reason: result === 'applied' ? 'rollout-restart applied' : 'rollout-restart rejected by alice',
    timings: { receivedAt: '2026-12-01T02:00:00Z' },
    attempts: 1,
  });
  const deps: DecideDeps = {
    config,
    approve: async (id, by) => {
      calls.push(`approve ${id} by ${by}`);
      return outcome('applied');
    },
    reject: async (id, by, why) => {
      calls.push(`reject ${id} by ${by}: ${why}`);
      return outcome('refused');
    },
    respond: async (url, answer) => void answers.push({ url, answer }),
    secret: async () => SECRET,
    logger: silentLogger,
    ...overrides,
  };
  return { deps, calls, answers };
}

describe('a decision from Slack', () => {
  it('approves as the approver slack.approvers names, and replaces the buttons with the outcome', async () => {
    const { deps, calls, answers } = harness();

    const outcome = await decideFromSlack(decision(), deps);

    expect(outcome?.result).toBe('applied');
    expect(calls).toEqual(['approve fp@2026-12-01T02:00:00Z by alice@example.com (Slack U024BE7LH)']);
    expect(answers).toEqual([
      {
        url: 'https://hooks.slack.com/actions/T1/2/x',
        answer: expect.objectContaining({
          text: expect.stringMatching(/^\*Approved by alice@example.com \(Slack U024BE7LH\)\*: applied\n/),
        }),
      },
    ]);
    expect(answers[0]!.answer.ephemeral).toBeUndefined();
  });

  it('rejects, saying it was in Slack', async () => {
    const { deps, calls } = harness();

    await decideFromSlack(decision({}, 'reject'), deps);

    expect(calls).toEqual(['reject fp@2026-12-01T02:00:00Z by alice@example.com (Slack U024BE7LH): rejected in Slack']);
  });

  it('does nothing for someone who is not an approver, and tells them alone', async () => {
    const { deps, calls, answers } = harness();

    expect(await decideFromSlack(decision({ userId: 'U0MALLORY', userName: 'mallory' }), deps)).toBeUndefined();

    expect(calls).toEqual([]);
    expect(answers).toEqual([
      {
        url: 'https://hooks.slack.com/actions/T1/2/x',
        answer: {
          ephemeral: true,
          text: 'mallory (U0MALLORY) is not a kubemend approver, so nothing was done. slack.approvers in the agent config lists who is.',
        },
      },
    ]);
  });

  it('tells the approver when the record is no longer waiting, and throws what is worth retrying', async () => {
    const decided = harness({
      approve: async () =>
        Promise.reject(new ValidationError('alert instance fp@x is not waiting for approval (it is applied)')),
    });
    expect(await decideFromSlack(decision(), decided.deps)).toBeUndefined();
    expect(decided.answers[0]!.answer).toEqual({
      ephemeral: true,
      text: 'Nothing was done: alert instance fp@x is not waiting for approval (it is applied)',
    });

    const down = harness({ approve: async () => Promise.reject(new ClusterUnreachableError('cluster down')) });
    await expect(decideFromSlack(decision(), down.deps)).rejects.toThrow('cluster down');
  });

  it('answers only at a Slack origin, and an answer that fails changes nothing', async () => {
    const elsewhere = harness();
    await decideFromSlack(decision({ responseUrl: 'https://attacker.example/collect' }), elsewhere.deps);
    expect(elsewhere.calls).toHaveLength(1);
    expect(elsewhere.answers).toEqual([]);

    const failing = harness({ respond: async () => Promise.reject(new Error('Slack answered 500')) });
    expect((await decideFromSlack(decision(), failing.deps))?.result).toBe('applied');
  });

  it('drops a decision the receiver did not take from a signed click: no proof, a forged one, or no secret', async () => {
    const { deps, calls, answers } = harness();
    const forged = { ...decision(), proof: 'f'.repeat(64) };
    const altered = { ...decision(), slack: { ...decision().slack, userId: 'U0OTHER' } };

    expect(await decideFromSlack(forged, deps)).toBeUndefined();
    expect(await decideFromSlack(altered, deps)).toBeUndefined();
    expect(await decideFromSlack(decision(), { ...deps, secret: async () => undefined })).toBeUndefined();
    expect(await decideFromSlack(decision(), { ...deps, secret: async () => 'another-secret' })).toBeUndefined();
    expect(calls).toEqual([]);
    expect(answers).toEqual([]);
  });
});
