import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../../lib/alert/identity.ts';
import type { Alert } from '../../../lib/alert/schema.ts';
import {
  AlreadyClaimedError,
  ClusterUnknownError,
  ClusterUnreachableError,
  ConflictError,
  ForbiddenError,
  UnfinishedError,
} from '../../../lib/errors.ts';
import { detectors } from '../../../lib/detect/registry.ts';
import { handleAlert } from '../../../lib/pipeline/detect.ts';
import type { AlertMessage, PlanMessage } from '../../../lib/pipeline/messages.ts';
import { handlePlan, remediateNow, targetKey } from '../../../lib/pipeline/remediate.ts';
import { approve, createManualRecord } from '../../../lib/pipeline/manual.ts';
import type { Outcome, Plan } from '../../../lib/domain/types.ts';
import { loadModelConfig } from '../../../lib/models/model-config.ts';
import { PrometheusUnreachableError } from '../../../lib/errors.ts';
import { join } from 'node:path';
import { configKillSwitch } from '../../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../../../lib/guardrails/target-guard.ts';
import { remediators } from '../../../lib/remediate/registry.ts';
import type { Kind } from '../../../lib/kube/kinds.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, backOffEvent, crashingPod, deployment, replicaSet } from '../../helpers/fixtures.ts';
import { manualClock, memoryStore, recordingQueue, silentLogger, testConfig } from '../../helpers/support.ts';

const LEASE = 60_000;

function harness(
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
  const detect = (alert: Alert) => handleAlert(message(alert), { ...common, detectors, plans, metricsFor });
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

function message(alert: Alert): AlertMessage {
  return { kind: 'alert', alert, receivedAt: '2026-11-26T02:20:00.000Z', receiver: 'kubemend', groupKey: 'g' };
}

const crashLoopAlert = alertFixture();
const models = loadModelConfig(join(import.meta.dirname, '../../../config/model_config.yaml'));
/** Three hours a minute apart, ending at the harness clock's start. */
const history = (value: (minute: number) => number): [number, number][] =>
  Array.from({ length: 181 }, (_, m) => [Date.parse('2026-11-26T02:20:00.000Z') / 1000 - (180 - m) * 60, value(m)]);

/** A fix asked for by hand, in enforce mode. */
function enforcedByHand(store: ReturnType<typeof memoryStore>, now: Date, by: string, plan: Plan) {
  return createManualRecord(store, { plan, by, mode: 'enforce', now, leaseMs: LEASE });
}

/** Takes the crash-loop record as a worker would before it dies mid-remediation. */
async function claimAsWorker(store: ReturnType<typeof memoryStore>, id: string, now: Date) {
  const claim = await store.claim({ id, alert: crashLoopAlert, cluster: undefined, now, leaseMs: LEASE });
  if (!claim.claimed) throw new Error('expected a claim');
  return claim;
}

describe('alert to outcome', () => {
  it('dry-runs the rollout restart by default and records what the API server would do', async () => {
    const { run, kube } = harness();

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({
      stage: 'done',
      result: 'dry-run',
      plan: { action: 'rollout-restart', target: { kind: 'Deployment', name: 'checkout' } },
      policy: { allowed: true, mode: 'dry-run' },
      change: expect.stringContaining('would set kubectl.kubernetes.io/restartedAt'),
      cluster: 'prod-eu-west-1',
    });
    expect(outcome.diagnosis?.evidence.length).toBeGreaterThan(2);
    expect(outcome.trigger).toEqual({ kind: 'alert', receiver: 'kubemend', groupKey: 'g' });
    expect(outcome.timings).toMatchObject({
      receivedAt: expect.any(String),
      diagnosedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    expect(kube.writes).toEqual([expect.objectContaining({ verb: 'patch', kind: 'Deployment', dryRun: true })]);
  });

  it('applies the restart in enforce mode', async () => {
    const { run, kube } = harness('enforce');

    const outcome = await run(crashLoopAlert);

    expect(outcome.result).toBe('applied');
    expect(kube.writes).toEqual([expect.objectContaining({ verb: 'patch', dryRun: false })]);
    expect(kube.deployments.get('payments/checkout')?.spec?.template.metadata?.annotations).toHaveProperty([
      'kubectl.kubernetes.io/restartedAt',
    ]);
  });

  it('refuses every write while the kill switch is on, and says so', async () => {
    const { run, kube } = harness('enforce', {}, configKillSwitch(true));

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'refused' });
    expect(outcome.reason).toBe('the kill switch is on (killSwitch: true in the agent config): no change made');
    expect(kube.writes).toEqual([]);
  });

  it('still dry-runs while the kill switch is on: a dry run changes nothing', async () => {
    const { run } = harness('dry-run', {}, configKillSwitch(true));

    expect((await run(crashLoopAlert)).result).toBe('dry-run');
  });

  it('sends nothing to the cluster in observe mode', async () => {
    const { run, kube } = harness('observe');

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({
      result: 'observed',
      reason: expect.stringContaining('would rollout-restart deployment payments/checkout'),
    });
    expect(kube.writes).toEqual([]);
  });

  it('refuses, and records why, when the target opts out', async () => {
    const { run, kube } = harness('enforce');
    kube.deployments.get('payments/checkout')!.metadata!.annotations!['kubemend.io/opt-out'] = 'true';

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'refused', policy: { allowed: false } });
    expect(outcome.reason).toContain('opts out');
    expect(kube.writes).toEqual([]);
  });

  it('refuses a namespace outside the rule’s allow list', async () => {
    const { run, kube } = harness('enforce', { namespaces: { allow: ['staging-*'] } });

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'refused', reason: 'namespace payments is not on the allow list' });
    expect(kube.writes).toEqual([]);
  });

  it('records an alert no rule handles as no action, without touching the cluster', async () => {
    const { run, kube } = harness();

    const outcome = await run(alertFixture('unknown-alert.json'));

    expect(outcome).toMatchObject({
      stage: 'done',
      result: 'no-action',
      reason: 'no rule handles alert HighErrorRate',
    });
    expect(kube.writes).toEqual([]);
  });

  it('records an ignored alert such as Watchdog as no action with the reason', async () => {
    const { run } = harness();
    const watchdog = {
      ...crashLoopAlert,
      fingerprint: '0000000000000001',
      labels: { alertname: 'Watchdog', severity: 'none' },
    };

    expect(await run(watchdog)).toMatchObject({ result: 'no-action', reason: 'Watchdog is ignored: heartbeat' });
  });

  it('records an unreachable cluster as such', async () => {
    const { run, kube } = harness();
    kube.failWith = new ClusterUnreachableError(
      'get pod payments/checkout-7d9f8b6c5d-x2k9p: cannot reach https://10.0.0.1 (ECONNREFUSED)',
    );

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'cluster-unreachable', error: { code: 'cluster_unreachable' } });
  });

  it('records an alert for a cluster the registry does not know as such', async () => {
    const { run, kube } = harness();
    kube.failWith = new ClusterUnknownError('cluster "prod-eu-west-1" is not in the registry (known: staging)');

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'unknown-cluster', error: { code: 'cluster_unknown' } });
    expect(kube.writes).toEqual([]);
  });

  it('refuses a planned fix the rule does not enable, with the diagnosis', async () => {
    const { run, kube } = harness('enforce');
    kube.add(crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }));

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'refused', diagnosis: { anomaly: 'oom-killed' } });
    expect(outcome.reason).toBe(
      'action "raise-memory" is not enabled for KubePodCrashLooping (enabled: rollout-restart, delete-pod)',
    );
    expect(kube.writes).toEqual([]);
  });

  it('raises the memory of an OOM-killed container by the factor and records it verified', async () => {
    const { run, kube } = harness('enforce', { fixes: { 'oom-killed': 'raise-memory' } });
    kube.add(crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }));

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({
      result: 'applied',
      verification: { status: 'verified', detail: 'all 3 replicas updated and available' },
      undo: { limit: '384Mi', request: '192Mi' },
    });
    expect(outcome.change).toBe(
      'raised memory of container app in deployment payments/checkout: limit 256Mi → 384Mi, request 128Mi → 192Mi',
    );
    const resources = kube.deployments.get('payments/checkout')?.spec?.template.spec?.containers[0]?.resources;
    expect(resources).toMatchObject({ limits: { memory: '384Mi' }, requests: { memory: '192Mi' } });
  });

  it('raises the memory after a conflicting status write, checking the limit again', async () => {
    const { run, kube } = harness('enforce', { fixes: { 'oom-killed': 'raise-memory' } });
    kube.add(crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }));
    const patch = kube.patch.bind(kube);
    let conflicts = 1;
    kube.patch = async <K extends Kind>(...args: Parameters<typeof kube.patch<K>>) => {
      if (!args[4].dryRun && conflicts-- > 0) {
        throw new ConflictError(
          'Operation cannot be fulfilled on deployments.apps "checkout": the object has been modified',
        );
      }
      return patch(...args);
    };

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'applied', undo: { limit: '384Mi', request: '192Mi' } });
    const resources = kube.deployments.get('payments/checkout')?.spec?.template.spec?.containers[0]?.resources;
    expect(resources).toMatchObject({ limits: { memory: '384Mi' }, requests: { memory: '192Mi' } });
  });

  it('undoes a fix whose rollout fails, and records the failure with what it saw', async () => {
    const { run, kube, controller } = harness('enforce', { fixes: { 'oom-killed': 'raise-memory' } });
    kube.add(crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }));
    controller.completesRollout = false;
    // The new pod the raised template produced crash loops again.
    const created = new Date('2026-11-26T02:20:01.000Z').toISOString();
    const newRevision = replicaSet('4');
    newRevision.metadata = {
      ...newRevision.metadata,
      name: 'checkout-5f6d7c8b9a',
      labels: { app: 'checkout', 'pod-template-hash': '5f6d7c8b9a' },
    };
    const newPod = crashingPod({ name: 'checkout-5f6d7c8b9a-newpod', creationTimestamp: created });
    newPod.metadata!.labels = { app: 'checkout', 'pod-template-hash': '5f6d7c8b9a' };
    kube.add(newRevision, newPod);

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({
      result: 'failed',
      verification: { status: 'worse', undone: 'set the memory of container app back to limit 256Mi, request 128Mi' },
    });
    expect(outcome.reason).toMatch(
      /^raise-memory was applied but new pod checkout-5f6d7c8b9a-newpod: container app CrashLoopBackOff/,
    );
    const resources = kube.deployments.get('payments/checkout')?.spec?.template.spec?.containers[0]?.resources;
    expect(resources).toMatchObject({ limits: { memory: '256Mi' }, requests: { memory: '128Mi' } });
  });

  it('records a fix that does not recover in time as failed, and escalates when it has no undo', async () => {
    const { run, kube, controller } = harness('enforce');
    controller.completesRollout = false;

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'failed', verification: { status: 'not-recovered' } });
    expect(outcome.reason).toBe(
      'rollout-restart was applied but not recovered after 180s: 1 of 3 updated replicas available; this fix has no undo: escalated',
    );
    expect(kube.writes.filter((w) => !w.dryRun)).toHaveLength(1);
  });

  it('fixes an alert instance once, however often Alertmanager repeats it', async () => {
    const { run, kube, plans, clock } = harness('enforce');

    await run(crashLoopAlert);
    clock.advance(4 * 3_600_000);
    const repeat = await run(crashLoopAlert);

    expect(repeat.result).toBe('applied');
    expect(plans.sent).toHaveLength(1);
    expect(kube.writes).toHaveLength(1);
  });

  it('refuses a second fix of the same Deployment within the cooldown, with the reason', async () => {
    const { run, kube, clock } = harness('enforce');
    await run(crashLoopAlert);
    clock.advance(10 * 60_000);
    // Another pod of the same Deployment crash loops: a new alert instance, the same target.
    const sibling = alertFixture('grouped-namespace.json', 1);
    const siblingPod = crashingPod();
    siblingPod.metadata!.name = sibling.labels.pod;
    siblingPod.metadata!.uid = 'b7c9d1e3-0000-4000-8000-000000000002';
    kube.add(siblingPod);

    const outcome = await run(sibling);

    expect(outcome).toMatchObject({ result: 'refused', plan: { action: 'rollout-restart' } });
    expect(outcome.reason).toMatch(/^cooldown: the last fix on this target was at .*, less than 30 min ago$/);
    expect(kube.writes).toHaveLength(1);
  });

  it('keeps an applied result when releasing the target lease fails', async () => {
    const { detect, remediate, plans, kube, targetGuard } = harness('enforce');
    await detect(crashLoopAlert);
    targetGuard.release = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };

    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome.result).toBe('applied');
    expect(kube.writes).toHaveLength(1);
  });

  it('opens the circuit once a namespace has had its cap of fixes in the window', async () => {
    const { run, store, kube, clock } = harness('enforce', {}, configKillSwitch(false), {
      caps: { perNamespace: 2, perCluster: 20, windowMinutes: 60 },
    });
    // Two fixes already applied in payments on this cluster within the hour.
    for (const [index, pod] of ['ledger-1', 'ledger-2'].entries()) {
      const earlier = {
        ...crashLoopAlert,
        fingerprint: `00000000000000a${index}`,
        labels: Object.assign(Object.create(null) as Record<string, string>, crashLoopAlert.labels, { pod }),
      };
      const claim = await store.claim({
        id: alertId(earlier),
        alert: earlier,
        cluster: 'prod-eu-west-1',
        now: new Date(clock.now().getTime() - 10 * 60_000),
        leaseMs: 1,
      });
      if (!claim.claimed) throw new Error('expected a claim');
      await store.save({ ...claim.outcome, stage: 'done', result: 'applied' }, null);
    }

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'refused' });
    expect(outcome.reason).toBe(
      'circuit open: 2 fixes applied in namespace payments in the last 60 min (cap 2); no more until the window passes',
    );
    expect(kube.writes).toEqual([]);
  });

  it('asks for a retry while another worker holds the instance', async () => {
    const { detect, store, clock } = harness();
    await store.claim({
      id: alertId(crashLoopAlert),
      alert: crashLoopAlert,
      cluster: undefined,
      now: clock.now(),
      leaseMs: LEASE,
    });

    await expect(detect(crashLoopAlert)).rejects.toBeInstanceOf(AlreadyClaimedError);
  });

  it('finishes a remediation interrupted mid-write with the same single change', async () => {
    const { detect, remediate, store, kube, plans, clock } = harness('enforce');
    await detect(crashLoopAlert);
    const id = plans.sent[0]!.id;
    // The worker marked the record `applying`, wrote, and died before recording the result.
    const claim = await claimAsWorker(store, id, clock.now());
    await store.save({ ...claim.outcome, stage: 'applying' }, new Date(clock.now().getTime() + LEASE));
    const plan = claim.outcome.plan!;
    await kube.patch(
      'Deployment',
      'checkout',
      'payments',
      {
        spec: {
          template: {
            metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': String(plan.params.restartedAt) } },
          },
        },
      },
      { dryRun: false },
    );

    await expect(remediate(id)).rejects.toBeInstanceOf(AlreadyClaimedError);
    clock.advance(LEASE + 1);
    const outcome = await remediate(id);

    expect(outcome).toMatchObject({ stage: 'done', result: 'applied', attempts: 3 });
    const annotations = kube.deployments.get('payments/checkout')?.spec?.template.metadata?.annotations;
    expect(annotations).toEqual({ 'kubectl.kubernetes.io/restartedAt': plan.params.restartedAt });
  });

  it('re-sends the plan when a repeat notification finds a remediation never picked up', async () => {
    const { detect, plans, clock } = harness();
    await detect(crashLoopAlert);
    clock.advance(1_000);

    const again = await detect(crashLoopAlert);

    expect(again.stage).toBe('planned');
    expect(plans.sent.map((sent) => sent.id)).toEqual([alertId(crashLoopAlert), alertId(crashLoopAlert)]);
  });

  it('skips the fix when the alert resolved before the remediator ran', async () => {
    const { detect, remediate, plans, kube } = harness('enforce');
    await detect(crashLoopAlert);
    await detect(alertFixture('resolved.json'));

    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome).toMatchObject({ result: 'resolved' });
    expect(kube.writes).toEqual([]);
  });

  it('records a resolved alert it never saw firing', async () => {
    const { detect } = harness();

    expect(await detect(alertFixture('resolved.json'))).toMatchObject({ stage: 'done', result: 'resolved' });
  });

  it('records the target disappearing before the fix as no action', async () => {
    const { detect, remediate, plans, kube } = harness('enforce');
    await detect(crashLoopAlert);
    kube.deployments.clear();

    expect(await remediate(plans.sent[0]!.id)).toMatchObject({ result: 'no-action', error: { code: 'not_found' } });
  });

  it('records a write that conflicts with a new rollout as failed, without writing', async () => {
    const { detect, remediate, plans, kube } = harness('enforce');
    await detect(crashLoopAlert);
    const current = kube.deployments.get('payments/checkout')!;
    current.metadata!.resourceVersion = '999999';
    current.metadata!.annotations!['deployment.kubernetes.io/revision'] = '4';

    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome).toMatchObject({ result: 'failed', error: { code: 'conflict' } });
    expect(kube.writes).toEqual([]);
  });

  it('records an RBAC denial as a refusal with its reason', async () => {
    const { detect, remediate, plans, kube } = harness('enforce');
    await detect(crashLoopAlert);
    kube.patch = async () => {
      throw new ForbiddenError(
        'patch deployment payments/checkout: deployments.apps "checkout" is forbidden: User "nobody" cannot patch resource "deployments"',
      );
    };

    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome).toMatchObject({ result: 'refused', error: { code: 'forbidden' } });
    expect(outcome.reason).toContain('RBAC denied the rollout-restart');
  });

  it('parks a fix that needs approval, tells people, and runs it once someone approves', async () => {
    const { run, remediate, store, kube, clock, notified } = harness('enforce', { requireApproval: true });

    const waiting = await run(crashLoopAlert);

    expect(waiting).toMatchObject({ stage: 'awaiting-approval', approval: { expiresAt: '2026-11-26T03:20:00.000Z' } });
    expect(waiting.reason).toBe(
      `rollout-restart needs approval: run \`kubemend approve ${waiting.id}\` before 2026-11-26T03:20:00.000Z`,
    );
    expect(kube.writes.filter((w) => !w.dryRun)).toEqual([]);
    expect(notified.map((o) => o.stage)).toEqual(['awaiting-approval']);
    // A repeated delivery does not run it either.
    expect(await remediate(waiting.id)).toMatchObject({ stage: 'awaiting-approval' });

    clock.advance(10 * 60_000);
    await approve(store, { id: waiting.id, by: 'alice', now: clock.now(), leaseMs: LEASE });
    const done = await remediate(waiting.id);

    expect(done).toMatchObject({ result: 'applied', approval: { by: 'alice', at: '2026-11-26T02:30:00.000Z' } });
    expect(kube.writes.filter((w) => !w.dryRun)).toHaveLength(1);
    expect(notified.map((o) => o.result ?? o.stage)).toEqual(['awaiting-approval', 'applied']);
  });

  it('refuses a fix nobody approved in time', async () => {
    const { run, remediate, store, clock, kube } = harness('enforce', { requireApproval: true });
    const waiting = await run(crashLoopAlert);

    clock.advance(61 * 60_000);

    await expect(approve(store, { id: waiting.id, by: 'bob', now: clock.now(), leaseMs: LEASE })).rejects.toThrow(
      `the approval window of ${waiting.id} ended at 2026-11-26T03:20:00.000Z`,
    );
    expect(await remediate(waiting.id)).toMatchObject({
      result: 'refused',
      reason: 'nobody approved rollout-restart before 2026-11-26T03:20:00.000Z',
    });
    expect(kube.writes.filter((w) => !w.dryRun)).toEqual([]);
  });

  it('refuses a fix beyond its limits, and records who asked for a manual one', async () => {
    const { remediate, store, clock, kube } = harness('enforce');
    const record = await enforcedByHand(store, clock.now(), 'carol', {
      action: 'scale',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
      params: { from: 3, replicas: 40 },
      reason: 'load test',
    });

    const outcome = await remediate(record.id);

    expect(outcome).toMatchObject({
      result: 'refused',
      reason: 'scale to 40 is above maxReplicas 20 (limits)',
      trigger: { kind: 'manual', by: 'carol', mode: 'enforce' },
    });
    expect(kube.writes).toEqual([]);
  });

  it('never takes away more than the configured share of a workload’s replicas at once', async () => {
    const { remediate, store, clock, kube } = harness('enforce', {}, configKillSwitch(false), {
      maxUnavailableShare: 0.25,
    });
    // Four ready pods of one ReplicaSet, one of them already unavailable.
    const pods = ['a', 'b', 'c', 'd'].map((suffix) => {
      const pod = crashingPod({ name: `checkout-7d9f8b6c5d-${suffix}` });
      pod.metadata!.uid = `uid-${suffix}`;
      pod.metadata!.ownerReferences![0]!.uid = 'rs-uid';
      pod.status = { ...pod.status, conditions: [{ type: 'Ready', status: suffix === 'd' ? 'False' : 'True' }] };
      return pod;
    });
    kube.add(...pods);
    const record = await enforcedByHand(store, clock.now(), 'dave', {
      action: 'delete-pod',
      target: { kind: 'Pod', namespace: 'payments', name: 'checkout-7d9f8b6c5d-a', uid: 'uid-a' },
      params: { uid: 'uid-a' },
      reason: 'stuck',
    });

    const outcome = await remediate(record.id);

    expect(outcome).toMatchObject({
      result: 'refused',
      reason: 'delete-pod would leave 2 of 4 replicas unavailable at once; at most 1 may be (maxUnavailableShare 0.25)',
    });
    expect(kube.writes).toEqual([]);
  });

  it('after a crash during verification, verifies (and would undo) without writing again', async () => {
    const { detect, remediate, plans, store, clock, kube } = harness('enforce');
    await detect(crashLoopAlert);
    const id = plans.sent[0]!.id;
    // The worker wrote, recorded `verifying`, and died.
    const claim = await claimAsWorker(store, id, clock.now());
    const appliedAt = clock.now().toISOString();
    await store.save(
      {
        ...claim.outcome,
        stage: 'verifying',
        change: 'set kubectl.kubernetes.io/restartedAt on deployment payments/checkout',
        timings: { ...claim.outcome.timings, appliedAt },
      },
      new Date(clock.now().getTime() + LEASE),
    );

    clock.advance(LEASE + 1);
    const outcome = await remediate(id);

    expect(outcome).toMatchObject({ result: 'applied', verification: { status: 'verified' } });
    expect(outcome.timings.appliedAt).toBe(appliedAt);
    expect(kube.writes).toEqual([]);
  });

  it('leaves a fix whose write answer was lost for the next run, holding the target, and makes one change', async () => {
    const { detect, remediate, plans, store, clock, kube, targetGuard } = harness('enforce');
    await detect(crashLoopAlert);
    const id = plans.sent[0]!.id;
    const patch = kube.patch.bind(kube);
    let lose = 1;
    // The patch lands, then the connection drops before its answer arrives.
    kube.patch = async <K extends Kind>(...args: Parameters<typeof kube.patch<K>>) => {
      const result = await patch(...args);
      if (lose-- > 0)
        throw new ClusterUnreachableError('patch deployment payments/checkout: cannot reach (ECONNRESET)');
      return result;
    };

    await expect(remediate(id)).rejects.toBeInstanceOf(UnfinishedError);
    const left = await store.get(id);
    const other = await targetGuard.acquire({
      target: targetKey(left?.cluster, left!.plan!.target),
      holder: 'another-alert',
      now: clock.now(),
      leaseMs: 1_000,
      cooldownMs: 0,
    });
    const outcome = await remediate(id);

    expect(left).toMatchObject({ stage: 'applying', error: { code: 'cluster_unreachable' } });
    expect(left?.reason).toContain('the write may or may not have landed');
    expect(other).toMatchObject({ acquired: false });
    expect(outcome).toMatchObject({ stage: 'done', result: 'applied', verification: { status: 'verified' } });
    const restarts = new Set(kube.writes.filter((write) => !write.dryRun).map((write) => JSON.stringify(write.body)));
    expect(restarts.size).toBe(1);
  });

  it('leaves a written fix at verifying when the store throttles, and verifies it next time without writing', async () => {
    const { detect, remediate, plans, store, kube } = harness('enforce');
    await detect(crashLoopAlert);
    const id = plans.sent[0]!.id;
    const save = store.save.bind(store);
    let throttle = 1;
    store.save = async (outcome, leaseUntil) => {
      if (outcome.stage === 'verifying' && throttle-- > 0) {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
          name: 'ProvisionedThroughputExceededException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return save(outcome, leaseUntil);
    };

    await expect(remediate(id)).rejects.toBeInstanceOf(UnfinishedError);
    const left = await store.get(id);
    const writesBefore = kube.writes.filter((write) => !write.dryRun).length;
    const outcome = await remediate(id);

    expect(left).toMatchObject({ stage: 'verifying', change: expect.stringContaining('restartedAt') });
    expect(outcome).toMatchObject({ stage: 'done', result: 'applied', verification: { status: 'verified' } });
    expect(kube.writes.filter((write) => !write.dryRun)).toHaveLength(writesBefore);
  });

  it('hands a fix run directly and left unfinished to the plan queue, which then finishes it', async () => {
    const { detect, remediate, remediateDirectly, followUps, plans, store, kube } = harness('enforce');
    await detect(crashLoopAlert);
    const id = plans.sent[0]!.id;
    const patch = kube.patch.bind(kube);
    let lose = 1;
    kube.patch = async <K extends Kind>(...args: Parameters<typeof kube.patch<K>>) => {
      if (lose-- > 0) throw new ClusterUnreachableError('patch deployment payments/checkout: timed out');
      return patch(...args);
    };

    const answered = await remediateDirectly(id);
    const finished = await remediate(followUps.sent[0]!.id);

    expect(answered).toMatchObject({ id, stage: 'applying' });
    expect(answered.reason).toContain('left at applying for the next run');
    expect(followUps.sent).toEqual([{ kind: 'plan', id }]);
    expect(finished).toMatchObject({ stage: 'done', result: 'applied' });
    expect(await store.get(id)).toMatchObject({ stage: 'done', result: 'applied' });
  });

  it('keeps a resumed write in flight while the cluster is unreachable: the earlier attempt may have landed', async () => {
    const { detect, remediate, plans, store, clock, kube } = harness('enforce');
    await detect(crashLoopAlert);
    const id = plans.sent[0]!.id;
    const claim = await claimAsWorker(store, id, clock.now());
    await store.save({ ...claim.outcome, stage: 'applying' }, clock.now());
    clock.advance(1);
    kube.failWith = new ClusterUnreachableError('get deployment payments/checkout: cannot reach (ECONNREFUSED)');

    await expect(remediate(id)).rejects.toBeInstanceOf(UnfinishedError);
    const left = await store.get(id);
    kube.failWith = undefined;
    clock.advance(1);
    const outcome = await remediate(id);

    expect(left).toMatchObject({ stage: 'applying' });
    expect(outcome).toMatchObject({ stage: 'done', result: 'applied' });
  });

  it('records a resumed write stopped by the kill switch as failed, saying the earlier write may stand', async () => {
    const { detect, plans, store, clock, kube, config } = harness('enforce');
    await detect(crashLoopAlert);
    const id = plans.sent[0]!.id;
    const claim = await claimAsWorker(store, id, clock.now());
    await store.save({ ...claim.outcome, stage: 'applying' }, clock.now());
    clock.advance(1);

    const outcome = await handlePlan(
      { kind: 'plan', id },
      {
        store,
        config,
        remediators,
        kube: kube.provider(),
        clock: clock.now,
        logger: silentLogger,
        leaseMs: LEASE,
        killSwitch: configKillSwitch(true),
        targetGuard: createSqliteTargetGuard(new DatabaseSync(':memory:')),
      },
    );

    expect(outcome).toMatchObject({ stage: 'done', result: 'failed' });
    expect(outcome.reason).toContain("an earlier attempt's write may have landed");
    expect(kube.writes.filter((write) => !write.dryRun)).toEqual([]);
  });

  it('leaves a fix to the queue when the store fails before the write, and makes it on the next delivery', async () => {
    const { detect, remediate, plans, store, kube } = harness('enforce');
    await detect(crashLoopAlert);
    const id = plans.sent[0]!.id;
    const recent = store.recent.bind(store);
    let throttle = 1;
    store.recent = async (query) => {
      if (throttle-- > 0) {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return recent(query);
    };

    await expect(remediate(id)).rejects.toMatchObject({ name: 'ThrottlingException' });
    const left = await store.get(id);
    const outcome = await remediate(id);

    expect(left).toMatchObject({ stage: 'planned' });
    expect(kube.writes.filter((write) => !write.dryRun)).toHaveLength(1);
    expect(outcome).toMatchObject({ stage: 'done', result: 'applied' });
  });

  it('records an unreachable cluster before any write as final, and frees the target', async () => {
    const { detect, remediate, plans, kube, targetGuard, clock, store } = harness('enforce');
    await detect(crashLoopAlert);
    const id = plans.sent[0]!.id;
    kube.failWith = new ClusterUnreachableError('get deployment payments/checkout: answered 503 (4 attempts)');

    const outcome = await remediate(id);
    const record = await store.get(id);

    expect(outcome).toMatchObject({ stage: 'done', result: 'cluster-unreachable' });
    expect(kube.writes).toEqual([]);
    const free = await targetGuard.acquire({
      target: targetKey(record?.cluster, record!.plan!.target),
      holder: 'another-alert',
      now: clock.now(),
      leaseMs: 1_000,
      cooldownMs: 0,
    });
    expect(free).toMatchObject({ acquired: true });
  });

  it('plans no fix when the metrics history shows a blip, and says so with the numbers', async () => {
    const { detect, plans, metricsHistory, kube } = harness('enforce');
    metricsHistory.samples = history((m) => (m === 179 ? 3 : 0.5));

    const outcome = await detect(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'no-action' });
    expect(outcome.reason).toMatch(
      /^not confirmed by the metrics, so no fix: .*a blip — above 1 for 1 of the last \d+ points/,
    );
    expect(outcome.diagnosis?.evidence.map((e) => e.source)).toEqual(
      expect.arrayContaining(['prometheus:memory-vs-limit', 'prometheus:container-restarts']),
    );
    expect(plans.sent).toEqual([]);
    expect(kube.writes).toEqual([]);
  });

  it('hands the fix on when the metrics confirm it, with their numbers in the evidence', async () => {
    const { detect, plans, metricsHistory } = harness('enforce');
    metricsHistory.samples = history(() => 3);

    const outcome = await detect(crashLoopAlert);

    expect(outcome.stage).toBe('planned');
    expect(plans.sent).toHaveLength(1);
    expect(outcome.diagnosis?.evidence).toEqual(
      expect.arrayContaining([
        { source: 'prometheus:container-restarts', message: expect.stringMatching(/^confirmed: container restarts/) },
      ]),
    );
  });

  it('keeps the diagnosis when the metrics cannot be read, and notes it', async () => {
    const { plans, store, clock } = harness('enforce');
    const outcome = await handleAlert(message(crashLoopAlert), {
      store,
      config: testConfig(),
      detectors,
      plans,
      kube: new FakeKube().add(crashingPod(), replicaSet(), deployment()).provider(),
      clock: clock.now,
      logger: silentLogger,
      leaseMs: LEASE,
      metricsFor: () => ({
        models,
        client: {
          instant: async () => [],
          range: async () =>
            Promise.reject(new PrometheusUnreachableError('cannot reach Prometheus at http://prom:9090: ECONNREFUSED')),
        },
      }),
    });

    expect(outcome.stage).toBe('planned');
    expect(outcome.diagnosis?.evidence).toEqual(
      expect.arrayContaining([
        {
          source: 'prometheus',
          message: 'metrics unavailable: cannot reach Prometheus at http://prom:9090: ECONNREFUSED',
        },
      ]),
    );
  });
});
