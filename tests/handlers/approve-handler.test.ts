import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { detectors } from '../../lib/detect/registry.ts';
import { configKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../../lib/guardrails/target-guard.ts';
import { makeApproveHandler } from '../../lib/lambda/approve.ts';
import { handleAlert } from '../../lib/pipeline/detect.ts';
import type { PlanMessage } from '../../lib/pipeline/messages.ts';
import { handlePlan, type RemediateDeps } from '../../lib/pipeline/remediate.ts';
import { remediators } from '../../lib/remediate/registry.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { alertFixture, backOffEvent, crashingPod, deployment, replicaSet } from '../helpers/fixtures.ts';
import { manualClock, memoryStore, recordingQueue, silentLogger, testConfig } from '../helpers/support.ts';

/** The remediator's direct invoke `{"approve": id, "by": who}`, as `aws lambda invoke` sends it. */
describe('remediator approve invoke', () => {
  async function waitingFix() {
    const kube = new FakeKube().add(crashingPod(), replicaSet(), deployment());
    kube.events = [backOffEvent()];
    const clock = manualClock();
    const config = testConfig({
      rules: [
        {
          alertname: 'KubePodCrashLooping',
          detector: 'crash-loop',
          mode: 'enforce',
          fixes: { 'crash-loop': 'rollout-restart' },
          requireApproval: true,
        },
      ],
    });
    const deps: RemediateDeps = {
      store: memoryStore(),
      config,
      remediators,
      kube: kube.provider(),
      killSwitch: configKillSwitch(false),
      targetGuard: createSqliteTargetGuard(new DatabaseSync(':memory:')),
      clock: clock.now,
      logger: silentLogger,
      leaseMs: 60_000,
      sleep: async (ms) => {
        clock.advance(ms);
        kube.completeRollout('payments', 'checkout');
      },
    };
    const plans = recordingQueue<PlanMessage>();
    await handleAlert(
      { kind: 'alert', alert: alertFixture(), receivedAt: clock.now().toISOString(), receiver: 'r', groupKey: 'g' },
      { ...deps, detectors, plans },
    );
    const waiting = await handlePlan(plans.sent[0]!, deps);
    expect(waiting.stage).toBe('awaiting-approval');
    return { deps, kube, id: waiting.id };
  }

  it('records who approved and runs the fix', async () => {
    const { deps, kube, id } = await waitingFix();

    const answer = await makeApproveHandler(deps)({ approve: id, by: 'arn:aws:iam::111111111111:user/alice' });

    expect(answer).toMatchObject({ id, stage: 'done', result: 'applied' });
    expect(await deps.store.get(id)).toMatchObject({ approval: { by: 'arn:aws:iam::111111111111:user/alice' } });
    expect(kube.writes.filter((w) => !w.dryRun)).toHaveLength(1);
  });

  it('says what is wrong with an event, and refuses a record that is not waiting', async () => {
    const { deps, id } = await waitingFix();
    const invoke = makeApproveHandler(deps);

    await expect(invoke({ approve: id })).rejects.toThrow('approve event: by: ');
    await invoke({ approve: id, by: 'alice' });
    await expect(invoke({ approve: id, by: 'bob' })).rejects.toThrow(
      `alert instance ${id} is not waiting for approval (it is applied)`,
    );
  });
});
