/** The detector and remediator stages over an in-memory store and a fake cluster, as the queues would run them. */
import { DatabaseSync } from 'node:sqlite';

import type { Alert } from '../../lib/alert/schema.ts';
import { detectors } from '../../lib/detect/registry.ts';
import { handleAlert } from '../../lib/pipeline/detect.ts';
import type { AlertMessage, PlanMessage } from '../../lib/pipeline/messages.ts';
import { handlePlan, remediateNow } from '../../lib/pipeline/remediate.ts';
import { createManualRecord } from '../../lib/pipeline/manual.ts';
import type { Outcome, Plan } from '../../lib/domain/types.ts';
import { loadModelConfig } from '../../lib/models/model-config.ts';
import { join } from 'node:path';
import { configKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../../lib/guardrails/target-guard.ts';
import { remediators } from '../../lib/remediate/registry.ts';
import { FakeKube } from './fake-kube.ts';
import { alertFixture, backOffEvent, crashingPod, deployment, replicaSet } from './fixtures.ts';
import { manualClock, memoryStore, recordingQueue, silentLogger, testConfig } from './support.ts';

export const LEASE = 60_000;

export function harness(
  mode: 'observe' | 'dry-run' | 'enforce' = 'dry-run',
  extra: Record<string, unknown> = {},
  killSwitch = configKillSwitch(false),
  defaults: Record<string, unknown> = {},
) {
  const kube = new FakeKube().add(crashingPod(), replicaSet(), deployment());
  kube.events = [backOffEvent()];
  const store = memoryStore();
  const plans = recordingQueue<PlanMessage>();
  const clock = manualClock();
  const targetGuard = createSqliteTargetGuard(new DatabaseSync(':memory:'));
  const config = testConfig({
    defaults,
    ignore: [{ alertname: 'Watchdog', reason: 'heartbeat' }],
    rules: [
      {
        alertname: 'KubePodCrashLooping',
        detector: 'crash-loop',
        mode,
        fixes: { 'crash-loop': ['rollout-restart', 'delete-pod'] },
        ...(defaults.namespaces === undefined ? { namespaces: { allow: ['payments'] } } : {}),
        ...extra,
      },
    ],
  });
  const common = { store, config, kube: kube.provider(), clock: clock.now, logger: silentLogger, leaseMs: LEASE };
  const notified: Outcome[] = [];
  const notifier = { notify: async (outcome: Outcome) => void notified.push(outcome) };
  /** What the Deployment controller does while the remediator waits: by default, finish the rollout. */
  const controller = { completesRollout: true };
  const sleep = async (ms: number) => {
    clock.advance(ms);
    if (controller.completesRollout) kube.completeRollout('payments', 'checkout');
  };
  const metricsHistory: { samples: [number, number][] | undefined } = { samples: undefined };
  const metricsFor = () =>
    metricsHistory.samples === undefined
      ? undefined
      : {
          models,
          client: {
            instant: async () => [],
            range: async () => [{ labels: {}, samples: metricsHistory.samples! }],
          },
        };
  const detect = (alert: Alert) => handleAlert(message(alert), { ...common, detectors, plans, metricsFor, notifier });
  const remediate = (id: string) =>
    handlePlan({ kind: 'plan', id }, { ...common, remediators, killSwitch, targetGuard, sleep, notifier });
  const followUps = recordingQueue<PlanMessage>();
  /** A run outside the plan queue (an approval, a manual fix), handing unfinished fixes to `followUps`. */
  const remediateDirectly = (id: string) =>
    remediateNow(id, { ...common, remediators, killSwitch, targetGuard, sleep, notifier, followUps });
  /** Receiver → detector → remediator, as the queues would run them. */
  const run = async (alert: Alert) => {
    const before = plans.sent.length;
    const detected = await detect(alert);
    const handedOn = plans.sent.slice(before);
    for (const plan of handedOn) await remediate(plan.id);
    return (await store.get(detected.id))!;
  };
  return {
    kube,
    store,
    plans,
    clock,
    detect,
    remediate,
    run,
    targetGuard,
    controller,
    notified,
    remediateDirectly,
    followUps,
    config,
    metricsHistory,
  };
}

export function message(alert: Alert): AlertMessage {
  return { kind: 'alert', alert, receivedAt: '2026-11-26T02:20:00.000Z', receiver: 'kubemend', groupKey: 'g' };
}

export const crashLoopAlert = alertFixture();
export const models = loadModelConfig(join(import.meta.dirname, '../../config/model_config.yaml'));
/** Three hours a minute apart, ending at the harness clock's start. */
export const history = (value: (minute: number) => number): [number, number][] =>
  Array.from({ length: 181 }, (_, m) => [Date.parse('2026-11-26T02:20:00.000Z') / 1000 - (180 - m) * 60, value(m)]);

/** A fix asked for by hand, in enforce mode. */
export function enforcedByHand(store: ReturnType<typeof memoryStore>, now: Date, by: string, plan: Plan) {
  return createManualRecord(store, { plan, by, mode: 'enforce', now, leaseMs: LEASE });
}

/** Takes the crash-loop record as a worker would before it dies mid-remediation. */
export async function claimAsWorker(store: ReturnType<typeof memoryStore>, id: string, now: Date) {
  const claim = await store.claim({ id, alert: crashLoopAlert, cluster: undefined, now, leaseMs: LEASE });
  if (!claim.claimed) throw new Error('expected a claim');
  return claim;
}
