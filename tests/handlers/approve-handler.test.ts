import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { createApp } from '../../lib/app/app.ts';
import { configKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../../lib/guardrails/target-guard.ts';
import { makeApproveHandler } from '../../lib/lambda/approve.ts';
import type { PlanMessage } from '../../lib/pipeline/messages.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { alertFixture, backOffEvent, crashingPod, deployment, replicaSet } from '../helpers/fixtures.ts';
import { manualClock, memoryStore, recordingQueue, silentLogger, testConfig } from '../helpers/support.ts';

/** The remediator's direct invoke `{"approve": id, "by": who}`, as `aws lambda invoke` sends it. */
describe('remediator approve invoke', () => {
  async function waitingFix() {
    const kube = new FakeKube().add(crashingPod(), replicaSet(), deployment());
    kube.events = [backOffEvent()];
    const clock = manualClock();
    const store = memoryStore();
    const plans = recordingQueue<PlanMessage>();
    const app = createApp({
      config: () =>
        testConfig({
          rules: [
            {
              alertname: 'KubePodCrashLooping',
              detector: 'crash-loop',
              mode: 'enforce',
              fixes: { 'crash-loop': 'rollout-restart' },
              namespaces: { allow: ['payments'] },
              requireApproval: true,
            },
          ],
        }),
      logger: silentLogger,
      clock: clock.now,
      leaseMs: 60_000,
      store: () => store,
      plans: () => plans,
      detectorKube: () => kube.provider(),
      remediatorKube: () => kube.provider(),
      killSwitch: () => configKillSwitch(false),
      targetGuard: () => createSqliteTargetGuard(new DatabaseSync(':memory:')),
      sleep: async (ms) => {
        clock.advance(ms);
        kube.completeRollout('payments', 'checkout');
      },
    });
    await app.detect({
      kind: 'alert',
      alert: alertFixture(),
      receivedAt: clock.now().toISOString(),
      receiver: 'r',
      groupKey: 'g',
    });
    const waiting = await app.remediate(plans.sent[0]!);
    expect(waiting.stage).toBe('awaiting-approval');
    return { app, store, kube, id: waiting.id };
  }

  it('records who approved and runs the fix', async () => {
    const { app, store, kube, id } = await waitingFix();

    const answer = await makeApproveHandler(
      app,
      silentLogger,
    )({
      approve: id,
      by: 'arn:aws:iam::111111111111:user/alice',
    });

    expect(answer).toMatchObject({ id, stage: 'done', result: 'applied' });
    expect(await store.get(id)).toMatchObject({ approval: { by: 'arn:aws:iam::111111111111:user/alice' } });
    expect(kube.writes.filter((w) => !w.dryRun)).toHaveLength(1);
  });

  it('turns a fix down on {"reject": id, "by": who, "reason": why}: refused, saying who and why, nothing written', async () => {
    const { app, store, kube, id } = await waitingFix();

    const answer = await makeApproveHandler(
      app,
      silentLogger,
    )({ reject: id, by: 'bob', reason: 'freeze until Monday' });

    expect(answer).toEqual({
      id,
      stage: 'done',
      result: 'refused',
      reason: 'rollout-restart rejected by bob: freeze until Monday',
    });
    expect(await store.get(id)).toMatchObject({ approval: { by: 'bob', rejected: true } });
    expect(kube.writes.filter((w) => !w.dryRun)).toHaveLength(0);
    await expect(app.approve(id, 'alice')).rejects.toThrow(
      `alert instance ${id} is not waiting for approval (it is refused)`,
    );
  });

  it('says what is wrong with an event, and refuses a record that is not waiting', async () => {
    const { app, id } = await waitingFix();
    const invoke = makeApproveHandler(app, silentLogger);

    await expect(invoke({ approve: id })).rejects.toThrow(
      'approve event: expected {"approve": id, "by": who}, {"reject"',
    );
    await expect(invoke({ approve: id })).rejects.toThrow('by: ');
    await invoke({ approve: id, by: 'alice' });
    await expect(invoke({ approve: id, by: 'bob' })).rejects.toThrow(
      `alert instance ${id} is not waiting for approval (it is applied)`,
    );
  });

  it('runs one fix by hand on {"run": plan, "by": who, "mode"}, as kubemend run does locally', async () => {
    const { app, store, kube } = await waitingFix();
    const invoke = makeApproveHandler(app, silentLogger);
    const plan = {
      action: 'rollout-restart',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
      params: {},
      reason: 'stuck after the config change',
    };

    const answer = (await invoke({ run: plan, by: 'carol', mode: 'dry-run' })) as { id: string; result: string };

    expect(answer).toMatchObject({ stage: 'done', result: 'dry-run' });
    expect(await store.get(answer.id)).toMatchObject({
      plan: { action: 'rollout-restart', reason: 'stuck after the config change' },
      approval: { by: 'carol' },
    });
    expect(kube.writes.filter((w) => !w.dryRun)).toHaveLength(0);
    await expect(invoke({ run: { ...plan, action: 'rollout-restart' }, by: 'carol', mode: 'always' })).rejects.toThrow(
      'mode: ',
    );
  });
});
