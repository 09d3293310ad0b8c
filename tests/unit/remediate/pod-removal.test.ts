import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';

import type { Plan } from '../../../lib/domain/types.ts';
import { DisruptionBudgetError, NotFoundError } from '../../../lib/errors.ts';
import { deletePod } from '../../../lib/remediate/delete-pod.ts';
import { evictPod } from '../../../lib/remediate/evict-pod.ts';
import { podAvailable, replacementHealth, type PodRemovalParams } from '../../../lib/remediate/pod-removal.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import {
  LEDGER_POD_UID,
  LEDGER_UID,
  ledgerPod,
  statefulSetCrashLoopDiagnosis,
} from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const appliedAt = new Date('2026-11-26T02:20:00.000Z');

function removal(
  action: 'delete-pod' | 'evict-pod',
  name = 'ledger-1',
  uid = LEDGER_POD_UID,
): Plan & { params: PodRemovalParams } {
  return {
    action,
    target: { kind: 'Pod', namespace: 'payments', name, uid },
    params: { uid },
    reason: 'container app of StatefulSet ledger is crash looping',
  };
}

/** ledger's three pods: ledger-1 crash looping, the others ready. */
function ledgerPods(): FakeKube {
  return new FakeKube().add(ledgerPod(0), ledgerPod(1, { ready: false }), ledgerPod(2));
}

/** ledger-1 recreated by the StatefulSet controller after the write, under a new uid. */
function replacement(state: 'ready' | 'creating' | 'crashing'): V1Pod {
  const pod = ledgerPod(1, {
    uid: 'ledger-1-replacement-uid',
    created: '2026-11-26T02:20:04Z',
    ready: state === 'ready',
  });
  if (state === 'creating') pod.status!.containerStatuses![0]!.state = { waiting: { reason: 'ContainerCreating' } };
  return pod;
}

describe.each([
  { remediator: deletePod, action: 'delete-pod', gerund: 'deleting' },
  { remediator: evictPod, action: 'evict-pod', gerund: 'evicting' },
] as const)('$action plan', ({ remediator, action, gerund }) => {
  it('removes exactly the diagnosed pod, by uid, so that its controller recreates it', () => {
    expect(remediator.plan(statefulSetCrashLoopDiagnosis(), {}, now)).toEqual({
      action,
      target: { kind: 'Pod', namespace: 'payments', name: 'ledger-1', uid: LEDGER_POD_UID },
      params: { uid: LEDGER_POD_UID },
      reason:
        'container app of StatefulSet ledger is crash looping: it exits with code 1 (Error) (9 restarts); its StatefulSet recreates the pod',
    });
  });

  it('refuses a pod without a controller, which would be lost for good', () => {
    const diagnosis = statefulSetCrashLoopDiagnosis({
      pod: { namespace: 'payments', name: 'debug-shell', uid: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f' },
    });

    expect(remediator.plan(diagnosis, {}, now)).toEqual({
      refused: `the pod has no controller: ${gerund} it would lose it for good`,
      fits: true,
    });
  });

  it('does not fit a diagnosis that names no pod', () => {
    expect(remediator.plan(statefulSetCrashLoopDiagnosis({ pod: undefined }), {}, now)).toEqual({
      refused: 'the diagnosis names no pod',
      fits: false,
    });
  });
});

describe('pod removal inspect', () => {
  it('blocks when the pod was replaced under the same name since the diagnosis', async () => {
    const kube = new FakeKube().add(replacement('crashing'));

    const state = await deletePod.inspect(removal('delete-pod'), kube);

    expect(state.blocker).toBe('the pod was replaced since it was diagnosed');
  });

  it('blocks a pod with no controller', async () => {
    const bare = ledgerPod(1, { ready: false });
    bare.metadata!.ownerReferences = undefined;
    const kube = new FakeKube().add(bare);

    expect((await evictPod.inspect(removal('evict-pod'), kube)).blocker).toBe(
      'the pod has no controller: evicting it would not bring it back',
    );
  });

  it('counts its controller’s pods and those already unavailable; an unready pod adds no disruption', async () => {
    const state = await deletePod.inspect(removal('delete-pod'), ledgerPods());

    expect(state.blocker).toBeUndefined();
    expect(state.disruption).toEqual({ replicas: 3, unavailable: 1, adds: 0 });
  });

  it('counts a ready pod as one more unavailable once it is removed', async () => {
    const state = await evictPod.inspect(removal('evict-pod', 'ledger-0', 'ledger-pod-uid-0'), ledgerPods());

    expect(state.disruption).toEqual({ replicas: 3, unavailable: 1, adds: 1 });
  });
});

describe('delete-pod apply', () => {
  it('deletes only the pod with the diagnosed uid and records its controller for verification', async () => {
    const kube = ledgerPods();
    const plan = removal('delete-pod');

    const applied = await deletePod.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(applied).toEqual({
      change: `deleted pod payments/ledger-1 (uid ${LEDGER_POD_UID})`,
      diff: ['pod payments/ledger-1: removed (its controller creates a replacement)'],
      undo: { owner: LEDGER_UID },
    });
    expect(kube.writes).toEqual([
      { verb: 'delete', kind: 'Pod', namespace: 'payments', name: 'ledger-1', dryRun: false },
    ]);
    expect([...kube.pods.keys()]).toEqual(['payments/ledger-0', 'payments/ledger-2']);
  });

  it('dry-runs the deletion: the pod stays', async () => {
    const kube = ledgerPods();
    const plan = removal('delete-pod');

    const { change } = await deletePod.apply(plan, plan.params, kube, { dryRun: true, limits: {} });

    expect(change).toBe(`would delete pod payments/ledger-1 (uid ${LEDGER_POD_UID})`);
    expect(kube.writes).toEqual([expect.objectContaining({ verb: 'delete', dryRun: true })]);
    expect(kube.pods.size).toBe(3);
  });

  it('treats a second run after the pod is gone as already done', async () => {
    const kube = new FakeKube().add(ledgerPod(0), ledgerPod(2));
    const plan = removal('delete-pod');

    const applied = await deletePod.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(applied).toEqual({
      change: `pod payments/ledger-1 (uid ${LEDGER_POD_UID}) was already deleted`,
      undo: { owner: undefined },
    });
    expect(kube.writes).toEqual([]);
  });

  it('leaves a pod recreated under the same name alone, counting the first deletion as done', async () => {
    const kube = new FakeKube().add(replacement('creating'));
    const plan = removal('delete-pod');

    const { change } = await deletePod.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(change).toBe(`pod payments/ledger-1 (uid ${LEDGER_POD_UID}) was already deleted`);
    expect(kube.writes).toEqual([]);
    expect(kube.pods.get('payments/ledger-1')?.metadata?.uid).toBe('ledger-1-replacement-uid');
  });

  it('does not pretend a dry run succeeded when the pod is gone', async () => {
    const plan = removal('delete-pod');

    await expect(
      deletePod.apply(plan, plan.params, new FakeKube(), { dryRun: true, limits: {} }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('evict-pod apply', () => {
  it('evicts the diagnosed pod through the Eviction API, dry-run first', async () => {
    const kube = ledgerPods();
    const plan = removal('evict-pod');

    const applied = await evictPod.apply(plan, plan.params, kube, { dryRun: true, limits: {} });

    expect(applied).toEqual({
      change: `would evict pod payments/ledger-1 (uid ${LEDGER_POD_UID})`,
      diff: ['pod payments/ledger-1: evicted (its controller creates a replacement)'],
      undo: { owner: LEDGER_UID },
    });
    expect(kube.writes).toEqual([
      { verb: 'evict', kind: 'Pod', namespace: 'payments', name: 'ledger-1', dryRun: true },
    ]);
    expect(kube.pods.size).toBe(3);
  });

  it('surfaces a PodDisruptionBudget refusal as DisruptionBudgetError instead of retrying', async () => {
    const kube = ledgerPods();
    kube.guardedByBudget.add('payments/ledger-1');
    const plan = removal('evict-pod');

    const attempt = evictPod.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    await expect(attempt).rejects.toBeInstanceOf(DisruptionBudgetError);
    await expect(attempt).rejects.toThrow("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(kube.writes).toEqual([]);
    expect(kube.pods.size).toBe(3);
  });

  it('treats a second run after the eviction landed as already done', async () => {
    const kube = new FakeKube().add(ledgerPod(0), ledgerPod(2));
    const plan = removal('evict-pod');

    const { change } = await evictPod.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(change).toBe(`pod payments/ledger-1 (uid ${LEDGER_POD_UID}) was already evicted`);
  });
});

describe('delete-pod and evict-pod differ in the API they call and the rights they need', () => {
  it('delete-pod deletes pods', () => {
    expect(deletePod.permissions).toEqual([{ apiGroup: '', resource: 'pods', verbs: ['get', 'list', 'delete'] }]);
  });

  it('evict-pod creates evictions and never deletes', () => {
    expect(evictPod.permissions).toEqual([
      { apiGroup: '', resource: 'pods', verbs: ['get', 'list'] },
      { apiGroup: '', resource: 'pods/eviction', verbs: ['create'] },
    ]);
  });
});

describe('pod removal check', () => {
  it('is healthy once the controller’s replacement pod is ready', async () => {
    const kube = new FakeKube().add(ledgerPod(0), replacement('ready'), ledgerPod(2));
    const plan = removal('delete-pod');

    const health = await deletePod.check!(
      plan,
      plan.params,
      kube,
      { change: '', undo: { owner: LEDGER_UID } },
      appliedAt,
    );

    expect(health).toEqual({ state: 'healthy', detail: 'replacement pod ledger-1 is ready' });
  });

  it('has nothing to wait for when the owner was not recorded (the pod was gone already)', async () => {
    const plan = removal('evict-pod');

    const health = await evictPod.check!(plan, plan.params, new FakeKube(), { change: '', undo: {} }, appliedAt);

    expect(health).toEqual({ state: 'healthy', detail: 'nothing to wait for (owner unknown)' });
  });
});

describe('replacementHealth', () => {
  it('is healthy once a pod of the same controller created since the write is ready', () => {
    const pods = [ledgerPod(0), replacement('ready'), ledgerPod(2)];

    expect(replacementHealth(pods, LEDGER_UID, appliedAt)).toEqual({
      state: 'healthy',
      detail: 'replacement pod ledger-1 is ready',
    });
  });

  it('is progressing while the replacement is still creating its container, however ready its siblings are', () => {
    const pods = [ledgerPod(0), replacement('creating'), ledgerPod(2)];

    expect(replacementHealth(pods, LEDGER_UID, appliedAt)).toEqual({
      state: 'progressing',
      detail: '1 replacement pods, none ready yet',
    });
  });

  it('is progressing before the controller has created a replacement', () => {
    expect(replacementHealth([ledgerPod(0), ledgerPod(2)], LEDGER_UID, appliedAt)).toEqual({
      state: 'progressing',
      detail: '0 replacement pods, none ready yet',
    });
  });

  it('fails as soon as the replacement crash loops too', () => {
    expect(replacementHealth([replacement('crashing')], LEDGER_UID, appliedAt)).toEqual({
      state: 'failed',
      detail: 'new pod ledger-1: container app CrashLoopBackOff (back-off 5m0s restarting failed container=app)',
    });
  });

  it('ignores a new ready pod of another controller', () => {
    const other = replacement('ready');
    other.metadata!.ownerReferences![0]!.uid = 'another-statefulset-uid';

    expect(replacementHealth([other], LEDGER_UID, appliedAt).state).toBe('progressing');
  });
});

describe('podAvailable', () => {
  it('counts a ready pod that is not being deleted', () => {
    expect(podAvailable(ledgerPod(0))).toBe(true);
  });

  it('does not count a ready pod that is terminating', () => {
    const terminating = ledgerPod(0);
    terminating.metadata!.deletionTimestamp = new Date('2026-11-26T02:19:30Z');

    expect(podAvailable(terminating)).toBe(false);
  });
});
