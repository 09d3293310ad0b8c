import { describe, expect, it } from '@jest/globals';

import { ConflictError } from '../../../lib/errors.ts';
import type { Kind, KindObjects } from '../../../lib/kube/kinds.ts';
import {
  planRestart,
  restartBlocker,
  rolloutRestart,
  type RolloutRestartParams,
} from '../../../lib/remediate/rollout-restart.ts';
import type { Plan } from '../../../lib/domain/types.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { deployment } from '../../helpers/fixtures.ts';
import {
  CHECKOUT_UID,
  checkoutPod,
  checkoutReplicaSet,
  checkoutWorkloadFacts,
  crashLoopDiagnosis,
  LEDGER_UID,
  rolledOutDeployment,
  statefulSet,
} from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** The plan for checkout at revision 3, resourceVersion 884213, decided at `now`. */
function checkoutRestart(): Plan & { params: RolloutRestartParams } {
  return {
    action: 'rollout-restart',
    target: { kind: 'Deployment', namespace: 'payments', name: 'checkout', uid: CHECKOUT_UID },
    params: { restartedAt: '2026-11-26T02:20:00.000Z', resourceVersion: '884213', revision: '3' },
    reason: 'container app of deployment checkout is crash looping',
  };
}

function ledgerRestart(): Plan & { params: RolloutRestartParams } {
  return {
    action: 'rollout-restart',
    target: { kind: 'StatefulSet', namespace: 'payments', name: 'ledger', uid: LEDGER_UID },
    params: { restartedAt: '2026-11-26T02:20:00.000Z', resourceVersion: '771002', revision: 'generation 4' },
    reason: 'container app of StatefulSet ledger is crash looping',
  };
}

/** A cluster where every write meets a 409, as when a controller keeps updating the object. */
class ContendedKube extends FakeKube {
  patchAttempts = 0;

  override async patch<K extends Kind>(kind: K, name: string): Promise<KindObjects[K]> {
    this.patchAttempts += 1;
    throw new ConflictError(`${kind.toLowerCase()} payments/${name}: the object has been modified`);
  }
}

describe('rollout-restart plan', () => {
  it('restarts the diagnosed Deployment with a restartedAt decided now, guarded by the resourceVersion and revision read', () => {
    const plan = rolloutRestart.plan(crashLoopDiagnosis(), {}, now);

    expect(plan).toEqual({
      action: 'rollout-restart',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout', uid: CHECKOUT_UID },
      params: { restartedAt: '2026-11-26T02:20:00.000Z', resourceVersion: '884213', revision: '3' },
      reason:
        'container app of deployment checkout is crash looping: it exits with code 1 (Error) (14 restarts): a fresh set of pods clears state-dependent crashes',
    });
  });

  it('restarts a StatefulSet at its generation, leaving out what the facts do not carry', () => {
    const diagnosis = crashLoopDiagnosis({
      workload: checkoutWorkloadFacts({
        kind: 'StatefulSet',
        name: 'ledger',
        uid: undefined,
        resourceVersion: undefined,
        revision: 'generation 4',
      }),
      container: undefined,
    });

    expect(planRestart(diagnosis, now)).toEqual({
      action: 'rollout-restart',
      target: { kind: 'StatefulSet', namespace: 'payments', name: 'ledger' },
      params: { restartedAt: '2026-11-26T02:20:00.000Z', revision: 'generation 4' },
      reason:
        'container app of deployment checkout is crash looping: it exits with code 1 (Error): a fresh set of pods clears state-dependent crashes',
    });
  });

  it('does not fit a diagnosis that names no workload (the rule’s next fix is tried)', () => {
    expect(rolloutRestart.plan(crashLoopDiagnosis({ workload: undefined }), {}, now)).toEqual({
      refused: 'the diagnosis names no Deployment, StatefulSet or DaemonSet to restart',
      fits: false,
    });
  });

  it('refuses a paused Deployment, which would not roll out', () => {
    const diagnosis = crashLoopDiagnosis({ workload: checkoutWorkloadFacts({ paused: true }) });

    expect(rolloutRestart.plan(diagnosis, {}, now)).toEqual({
      refused: 'the Deployment is paused; a restart would not roll out until it is resumed',
      fits: true,
    });
  });

  it('refuses a StatefulSet that updates OnDelete, where a restart changes no running pod', () => {
    const diagnosis = crashLoopDiagnosis({
      workload: checkoutWorkloadFacts({ kind: 'StatefulSet', name: 'ledger', onDelete: true }),
    });

    expect(rolloutRestart.plan(diagnosis, {}, now)).toEqual({
      refused: 'the StatefulSet updates OnDelete; a restart would change no running pod',
      fits: true,
    });
  });

  it('refuses a workload that is being deleted', () => {
    const diagnosis = crashLoopDiagnosis({ workload: checkoutWorkloadFacts({ deleting: true }) });

    expect(rolloutRestart.plan(diagnosis, {}, now)).toEqual({ refused: 'the Deployment is being deleted', fits: true });
  });
});

describe('restartBlocker', () => {
  it('names the deletion first when a paused Deployment is also being deleted', () => {
    expect(restartBlocker('Deployment', { paused: true, onDelete: false, deleting: true })).toBe(
      'the Deployment is being deleted',
    );
  });

  it('finds nothing in the way of a running, rolling-update workload', () => {
    expect(restartBlocker('DaemonSet', { paused: false, onDelete: false, deleting: false })).toBeUndefined();
  });
});

describe('rollout-restart inspect', () => {
  it('reports a Deployment paused since the diagnosis as a blocker', async () => {
    const kube = new FakeKube().add(deployment({ paused: true }));

    const state = await rolloutRestart.inspect(checkoutRestart(), kube);

    expect(state.blocker).toBe('the Deployment is paused; a restart would not roll out until it is resumed');
  });

  it('reports a StatefulSet switched to OnDelete as a blocker', async () => {
    const kube = new FakeKube().add(statefulSet({ updateStrategy: 'OnDelete' }));

    const state = await rolloutRestart.inspect(ledgerRestart(), kube);

    expect(state.blocker).toBe('the StatefulSet updates OnDelete; a restart would change no running pod');
  });

  it('hands apply the object it read, with its annotations for the guardrails', async () => {
    const kube = new FakeKube().add(deployment());

    const state = await rolloutRestart.inspect(checkoutRestart(), kube);

    expect(state).toEqual({
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      labels: {},
      blocker: undefined,
      object: deployment(),
    });
  });
});

describe('rollout-restart apply', () => {
  it('dry-runs the patch: the server is asked, the Deployment is unchanged, the diff is what would change', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = checkoutRestart();

    const applied = await rolloutRestart.apply(plan, plan.params, kube, { dryRun: true, limits: {} });

    expect(applied).toEqual({
      change: 'would set kubectl.kubernetes.io/restartedAt=2026-11-26T02:20:00.000Z on deployment payments/checkout',
      diff: [
        'spec.template.metadata.annotations: (none) → {"kubectl.kubernetes.io/restartedAt":"2026-11-26T02:20:00.000Z"}',
      ],
    });
    expect(kube.writes).toEqual([
      expect.objectContaining({ verb: 'patch', kind: 'Deployment', name: 'checkout', dryRun: true }),
    ]);
    expect((await kube.getDeployment('payments', 'checkout')).spec?.template.metadata?.annotations).toBeUndefined();
  });

  it('sets the pod-template annotation when applied', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = checkoutRestart();

    const { change } = await rolloutRestart.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(change).toBe(
      'set kubectl.kubernetes.io/restartedAt=2026-11-26T02:20:00.000Z on deployment payments/checkout',
    );
    expect((await kube.getDeployment('payments', 'checkout')).spec?.template.metadata?.annotations).toEqual({
      'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00.000Z',
    });
  });

  it('retries after a conflict when only the resourceVersion moved (a scale, a status update)', async () => {
    const scaled = deployment();
    scaled.metadata!.resourceVersion = '900000';
    scaled.spec!.replicas = 5;
    const kube = new FakeKube().add(scaled);
    const plan = checkoutRestart();

    const { diff } = await rolloutRestart.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(kube.writes).toHaveLength(1);
    expect(diff).toEqual([
      'spec.template.metadata.annotations: (none) → {"kubectl.kubernetes.io/restartedAt":"2026-11-26T02:20:00.000Z"}',
    ]);
    const after = await kube.getDeployment('payments', 'checkout');
    expect(after.spec?.replicas).toBe(5);
    expect(after.spec?.template.metadata?.annotations).toEqual({
      'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00.000Z',
    });
  });

  it('refuses to retry after a conflict when the Deployment rolled out a new revision', async () => {
    const rolled = deployment();
    rolled.metadata!.resourceVersion = '900000';
    rolled.metadata!.annotations!['deployment.kubernetes.io/revision'] = '4';
    const kube = new FakeKube().add(rolled);
    const plan = checkoutRestart();

    const attempt = rolloutRestart.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow(
      'deployment payments/checkout moved to revision 4 since the diagnosis (revision 3); not restarting',
    );
    expect(kube.writes).toEqual([]);
  });

  it('refuses to retry a StatefulSet whose spec changed in any way since the diagnosis (its generation moved)', async () => {
    const scaled = statefulSet();
    scaled.metadata!.resourceVersion = '780000';
    scaled.metadata!.generation = 5;
    scaled.spec!.replicas = 4;
    const kube = new FakeKube().add(scaled);
    const plan = ledgerRestart();

    await expect(rolloutRestart.apply(plan, plan.params, kube, { dryRun: false, limits: {} })).rejects.toThrow(
      'statefulset payments/ledger moved to revision generation 5 since the diagnosis (revision generation 4); not restarting',
    );
    expect(kube.writes).toEqual([]);
  });

  it('refuses to retry after a conflict when the Deployment was paused meanwhile', async () => {
    const paused = deployment({ paused: true });
    paused.metadata!.resourceVersion = '900000';
    const kube = new FakeKube().add(paused);
    const plan = checkoutRestart();

    await expect(rolloutRestart.apply(plan, plan.params, kube, { dryRun: false, limits: {} })).rejects.toThrow(
      'the Deployment is paused; a restart would not roll out until it is resumed; not restarting',
    );
    expect(kube.writes).toEqual([]);
  });

  it('treats a conflict caused by its own earlier write (same restartedAt) as done', async () => {
    const restarted = deployment();
    restarted.metadata!.resourceVersion = '900000';
    restarted.spec!.template.metadata!.annotations = {
      'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00.000Z',
    };
    const kube = new FakeKube().add(restarted);
    const plan = checkoutRestart();

    const applied = await rolloutRestart.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(applied).toEqual({
      change:
        'kubectl.kubernetes.io/restartedAt=2026-11-26T02:20:00.000Z on deployment payments/checkout was already set',
      diff: [],
    });
    expect(kube.writes).toEqual([]);
  });

  it('gives up after three conflicting writes', async () => {
    const kube = new ContendedKube().add(deployment());
    const plan = checkoutRestart();

    await expect(rolloutRestart.apply(plan, plan.params, kube, { dryRun: false, limits: {} })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(kube.patchAttempts).toBe(3);
  });

  it('restarts a StatefulSet through the same template annotation', async () => {
    const kube = new FakeKube().add(statefulSet());
    const plan = ledgerRestart();

    const { change } = await rolloutRestart.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(change).toBe(
      'set kubectl.kubernetes.io/restartedAt=2026-11-26T02:20:00.000Z on statefulset payments/ledger',
    );
    expect((await kube.read('StatefulSet', 'ledger', 'payments')).spec?.template.metadata?.annotations).toEqual({
      'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00.000Z',
    });
  });
});

describe('rollout-restart check', () => {
  it('fails the restart when a pod of the new rollout is stuck', async () => {
    const kube = new FakeKube().add(
      rolledOutDeployment(),
      checkoutReplicaSet('3'),
      checkoutPod('checkout-7d9f8b6c5d-q8r7s', { created: '2026-11-26T02:20:30Z', waiting: 'ImagePullBackOff' }),
    );
    const plan = checkoutRestart();

    const health = await rolloutRestart.check!(plan, plan.params, kube, { change: '' }, now);

    expect(health).toEqual({
      state: 'failed',
      detail:
        'new pod checkout-7d9f8b6c5d-q8r7s: container app ImagePullBackOff (Back-off pulling image "registry.example/checkout:1.14.2")',
    });
  });

  it('is healthy once the restarted Deployment is rolled out', async () => {
    const kube = new FakeKube().add(rolledOutDeployment(), checkoutReplicaSet('3'));
    const plan = checkoutRestart();

    expect(await rolloutRestart.check!(plan, plan.params, kube, { change: '' }, now)).toEqual({
      state: 'healthy',
      detail: 'all 3 replicas updated and available',
    });
  });
});
