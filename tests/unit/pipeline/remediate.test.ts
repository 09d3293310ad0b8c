import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../../lib/alert/identity.ts';
import {
  AlreadyClaimedError,
  ClusterUnreachableError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnfinishedError,
} from '../../../lib/errors.ts';
import { targetKey } from '../../../lib/guardrails/target-guard.ts';
import { handlePlan } from '../../../lib/pipeline/remediate.ts';
import { approve } from '../../../lib/pipeline/manual.ts';
import { configKillSwitch } from '../../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../../../lib/guardrails/target-guard.ts';
import { remediators } from '../../../lib/remediate/registry.ts';
import type { Kind } from '../../../lib/kube/kinds.ts';
import { alertFixture, crashingPod, replicaSet } from '../../helpers/fixtures.ts';
import { silentLogger } from '../../helpers/support.ts';

import { claimAsWorker, crashLoopAlert, enforcedByHand, harness, LEASE } from '../../helpers/pipeline-harness.ts';

/** A detected alert whose record a worker left at `applying` (it stopped mid-write): its id. */
async function leftAtApplying(h: Pick<ReturnType<typeof harness>, 'detect' | 'plans' | 'store' | 'clock'>) {
  await h.detect(crashLoopAlert);
  const id = h.plans.sent[0]!.id;
  const claim = await claimAsWorker(h.store, id, h.clock.now());
  await h.store.save({ ...claim.outcome, stage: 'applying' }, h.clock.now());
  h.clock.advance(1);
  return id;
}

describe('remediator stage, alert to outcome', () => {
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

  it('refuses a planned fix the rule no longer maps when the remediator takes it (the config changed)', async () => {
    const { detect, kube, store, config } = harness('enforce');
    const planned = await detect(crashLoopAlert);
    expect(planned.plan?.action).toBe('rollout-restart');
    config.rules[0]!.fixes = { 'crash-loop': ['delete-pod'] };

    const outcome = await handlePlan(
      { kind: 'plan', id: planned.id },
      {
        store,
        config,
        remediators,
        kube: kube.provider(),
        clock: () => new Date('2026-11-26T02:21:00.000Z'),
        logger: silentLogger,
        leaseMs: LEASE,
        killSwitch: configKillSwitch(false),
        targetGuard: createSqliteTargetGuard(new DatabaseSync(':memory:')),
      },
    );

    expect(outcome).toMatchObject({ result: 'refused', policy: { allowed: false } });
    expect(outcome.reason).toBe(
      'action "rollout-restart" is not enabled for KubePodCrashLooping for crash-loop (enabled: delete-pod)',
    );
    expect(kube.writes).toEqual([]);
  });

  it('asks again when RBAC refuses a check (a restarted API server), and records the fix verified once it answers', async () => {
    const { run, kube } = harness('enforce');
    const patch = kube.patch.bind(kube);
    kube.patch = async <K extends Kind>(...args: Parameters<typeof kube.patch<K>>) => {
      const written = await patch(...args);
      kube.failWith = new ForbiddenError('get deployment payments/checkout: deployments.apps "checkout" is forbidden');
      return written;
    };
    const complete = kube.completeRollout.bind(kube);
    kube.completeRollout = (namespace: string, name: string) => {
      kube.failWith = undefined;
      complete(namespace, name);
    };

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'applied', verification: { status: 'verified' } });
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

  it('skips the fix when the alert resolved before the remediator ran', async () => {
    const { detect, remediate, plans, kube } = harness('enforce');
    await detect(crashLoopAlert);
    await detect(alertFixture('resolved.json'));

    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome).toMatchObject({ result: 'resolved' });
    expect(kube.writes).toEqual([]);
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

  it.each([
    [
      'the cluster is unreachable',
      new ClusterUnreachableError('get deployment payments/checkout: cannot reach (ECONNREFUSED)'),
    ],
    [
      'RBAC says no (a restarted API server denies until its caches fill)',
      new ForbiddenError('get deployment payments/checkout: deployments.apps "checkout" is forbidden'),
    ],
  ])('keeps a resumed write in flight while %s: the earlier attempt may have landed', async (_, failure) => {
    const { remediate, store, clock, kube, ...rest } = harness('enforce');
    const id = await leftAtApplying({ store, clock, ...rest });
    kube.failWith = failure;

    await expect(remediate(id)).rejects.toBeInstanceOf(UnfinishedError);
    const left = await store.get(id);
    kube.failWith = undefined;
    clock.advance(1);
    const outcome = await remediate(id);

    expect(left).toMatchObject({ stage: 'applying', error: { code: failure.code } });
    expect(outcome).toMatchObject({ stage: 'done', result: 'applied', change: expect.any(String) });
  });

  it('ends a resumed write that meets a lasting failure, saying the earlier write may stand', async () => {
    const { remediate, kube, ...rest } = harness('enforce');
    const id = await leftAtApplying(rest);
    kube.failWith = new NotFoundError('deployments.apps "checkout" not found');

    const outcome = await remediate(id);

    expect(outcome).toMatchObject({ stage: 'done', result: 'no-action' });
    expect(outcome.reason).toBe(
      'deployment payments/checkout no longer exists: deployments.apps "checkout" not found; ' +
        "an earlier attempt's write may have landed (rollout-restart deployment payments/checkout): check the target",
    );
  });

  it('records a resumed write stopped by the kill switch as failed, saying the earlier write may stand', async () => {
    const { store, clock, kube, config, ...rest } = harness('enforce');
    const id = await leftAtApplying({ store, clock, ...rest });

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
});
