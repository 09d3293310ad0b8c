import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';

import type { Plan } from '../../../lib/domain/types.ts';
import { ConflictError, NotFoundError } from '../../../lib/errors.ts';
import type { JsonPatchOperation } from '../../../lib/kube/kube-api.ts';
import { rolloutUndo, type RolloutUndoParams } from '../../../lib/remediate/rollout-undo.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { deployment } from '../../helpers/fixtures.ts';
import {
  badRevisionDiagnosis,
  CHECKOUT_UID,
  checkoutReplicaSet,
  checkoutRolloutFacts,
  checkoutWorkloadFacts,
} from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

function undoPlan(): Plan & { params: RolloutUndoParams } {
  return {
    action: 'rollout-undo',
    target: { kind: 'Deployment', namespace: 'payments', name: 'checkout', uid: CHECKOUT_UID },
    params: { fromRevision: '3', toRevision: '2' },
    reason: 'the pods of revision 3 fail (bad-image) since it rolled out; revision 2 ran before it',
  };
}

/** checkout at revision 3 with the ReplicaSets of revisions 2 (image 1.14.1) and 3 (image 1.14.2). */
function checkoutHistory(): FakeKube {
  return new FakeKube().add(deployment(), checkoutReplicaSet('2'), checkoutReplicaSet('3'));
}

/** A cluster where someone else writes the Deployment between kubemend's read and its patch. */
class RacingKube extends FakeKube {
  override async jsonPatchDeployment(
    namespace: string,
    name: string,
    operations: JsonPatchOperation[],
    options: { dryRun: boolean },
  ): Promise<V1Deployment> {
    const current = this.deployments.get(`${namespace}/${name}`)!;
    current.metadata!.resourceVersion = '884299';
    return super.jsonPatchDeployment(namespace, name, operations, options);
  }
}

describe('rollout-undo plan', () => {
  it('rolls the Deployment back to the previous revision when the problem began with the latest', () => {
    const plan = rolloutUndo.plan(badRevisionDiagnosis(), {}, now);

    expect(plan).toEqual({
      action: 'rollout-undo',
      target: { kind: 'Deployment', namespace: 'payments', name: 'checkout', uid: CHECKOUT_UID },
      params: { fromRevision: '3', toRevision: '2' },
      reason: 'the pods of revision 3 fail (bad-image) since it rolled out; revision 2 ran before it',
    });
  });

  it('refuses when the problem did not begin with the latest revision: a rollback would not help', () => {
    const diagnosis = badRevisionDiagnosis({ rollout: checkoutRolloutFacts({ beganWithIt: false }) });

    expect(rolloutUndo.plan(diagnosis, {}, now)).toEqual({
      refused: 'the problem did not begin with revision 3: a rollback would not help',
      fits: true,
    });
  });

  it('refuses when no pod of the latest revision reports a problem', () => {
    const diagnosis = badRevisionDiagnosis({ rollout: checkoutRolloutFacts({ failingPods: 0 }) });

    expect(rolloutUndo.plan(diagnosis, {}, now)).toEqual({
      refused: 'no pod of revision 3 reports a problem: nothing to roll back from',
      fits: true,
    });
  });

  it('does not fit a diagnosis without rollout facts', () => {
    expect(rolloutUndo.plan(badRevisionDiagnosis({ rollout: undefined }), {}, now)).toEqual({
      refused: 'the diagnosis names no Deployment rollout to roll back',
      fits: false,
    });
  });

  it('does not fit a StatefulSet, which has no ReplicaSet revisions to restore', () => {
    const diagnosis = badRevisionDiagnosis({
      workload: checkoutWorkloadFacts({ kind: 'StatefulSet', name: 'ledger' }),
    });

    expect(rolloutUndo.plan(diagnosis, {}, now)).toEqual({
      refused: 'the diagnosis names no Deployment rollout to roll back',
      fits: false,
    });
  });
});

describe('rollout-undo inspect', () => {
  it('finds nothing in the way while the Deployment is still at the diagnosed revision', async () => {
    const state = await rolloutUndo.inspect(undoPlan(), checkoutHistory());

    expect(state.blocker).toBeUndefined();
  });

  it('blocks a paused Deployment, where a rollback would not roll out', async () => {
    const kube = new FakeKube().add(deployment({ paused: true }));

    expect((await rolloutUndo.inspect(undoPlan(), kube)).blocker).toBe(
      'the Deployment is paused; a rollback would not roll out',
    );
  });

  it('blocks when the Deployment moved to another revision since the diagnosis', async () => {
    const moved = deployment();
    moved.metadata!.annotations!['deployment.kubernetes.io/revision'] = '4';
    const kube = new FakeKube().add(moved);

    expect((await rolloutUndo.inspect(undoPlan(), kube)).blocker).toBe(
      'the Deployment moved to revision 4 since the diagnosis (revision 3); not rolling back',
    );
  });
});

describe('rollout-undo apply', () => {
  it('dry-runs a JSON patch guarded by the resourceVersion read, changing nothing', async () => {
    const kube = checkoutHistory();
    const plan = undoPlan();

    const applied = await rolloutUndo.apply(plan, plan.params, kube, { dryRun: true, limits: {} });

    expect(applied).toEqual({
      change: 'would roll back deployment payments/checkout from revision 3 to the template of revision 2',
      diff: [
        'spec.template.spec.containers[0].image: "registry.example/checkout:1.14.2" → "registry.example/checkout:1.14.1"',
      ],
      undo: { revision: '3' },
    });
    expect(kube.writes).toHaveLength(1);
    expect(kube.writes[0]).toMatchObject({ verb: 'patch', kind: 'Deployment', dryRun: true });
    expect((kube.writes[0]!.body as JsonPatchOperation[])[0]).toEqual({
      op: 'test',
      path: '/metadata/resourceVersion',
      value: '884213',
    });
    expect((await kube.getDeployment('payments', 'checkout')).spec?.template).toEqual(deployment().spec?.template);
  });

  it('restores the earlier ReplicaSet’s pod template without the controller’s hash label', async () => {
    const kube = checkoutHistory();
    const plan = undoPlan();

    const { change } = await rolloutUndo.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(change).toBe('rolled back deployment payments/checkout from revision 3 to the template of revision 2');
    const template = (await kube.getDeployment('payments', 'checkout')).spec?.template;
    expect(template?.metadata?.labels).toEqual({ app: 'checkout' });
    expect(template?.spec?.containers[0]?.image).toBe('registry.example/checkout:1.14.1');
  });

  it('writes nothing on a second run when the template is already that of the earlier revision', async () => {
    const kube = checkoutHistory();
    const plan = undoPlan();
    await rolloutUndo.apply(plan, plan.params, kube, { dryRun: false, limits: {} });
    kube.writes.length = 0;

    const applied = await rolloutUndo.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(applied).toEqual({
      change: 'deployment payments/checkout from revision 3 to the template of revision 2: already rolled back',
      diff: [],
      undo: { revision: '3' },
    });
    expect(kube.writes).toEqual([]);
  });

  // The controller renumbers the ReplicaSet it rolls back to (2 becomes 4, 2 goes to its
  // revision history): a resumed rollback must still see that it landed.
  it('recognises its own rollback after the controller renumbered the restored revision', async () => {
    const restored = checkoutReplicaSet('2');
    restored.metadata!.annotations = {
      'deployment.kubernetes.io/revision': '4',
      'deployment.kubernetes.io/revision-history': '2',
    };
    const rolledBack = deployment();
    rolledBack.metadata!.annotations!['deployment.kubernetes.io/revision'] = '4';
    rolledBack.spec!.template.spec!.containers[0]!.image = 'registry.example/checkout:1.14.1';
    const kube = new FakeKube().add(rolledBack, restored, checkoutReplicaSet('3'));
    const plan = undoPlan();

    const applied = await rolloutUndo.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(applied.change).toBe(
      'deployment payments/checkout from revision 3 to the template of revision 2: already rolled back',
    );
    expect(kube.writes).toEqual([]);
  });

  it('fails when the earlier revision’s ReplicaSet was pruned', async () => {
    const kube = new FakeKube().add(deployment(), checkoutReplicaSet('3'));
    const plan = undoPlan();

    const attempt = rolloutUndo.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
    await expect(attempt).rejects.toThrow(
      'revision 2 of deployment payments/checkout (its ReplicaSet was pruned by revisionHistoryLimit)',
    );
  });

  it('restores only a ReplicaSet the Deployment controls, not another owner’s at the same revision', async () => {
    const foreign = checkoutReplicaSet('2');
    foreign.metadata!.ownerReferences![0]!.uid = 'another-deployment-uid';
    const kube = new FakeKube().add(deployment(), foreign, checkoutReplicaSet('3'));
    const plan = undoPlan();

    await expect(rolloutUndo.apply(plan, plan.params, kube, { dryRun: false, limits: {} })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(kube.writes).toEqual([]);
  });

  it('does not overwrite a Deployment that changed between its read and the write', async () => {
    const kube = new RacingKube().add(deployment(), checkoutReplicaSet('2'), checkoutReplicaSet('3'));
    const plan = undoPlan();

    await expect(rolloutUndo.apply(plan, plan.params, kube, { dryRun: false, limits: {} })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await kube.getDeployment('payments', 'checkout')).spec?.template.spec?.containers[0]?.image).toBe(
      'registry.example/checkout:1.14.2',
    );
  });
});

describe('rollout-undo revert', () => {
  it('rolls forward to the template of the revision it replaced', async () => {
    const kube = checkoutHistory();
    const plan = undoPlan();
    const applied = await rolloutUndo.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    const undone = await rolloutUndo.revert!(plan, plan.params, kube, applied);

    expect(undone).toBe('deployment payments/checkout rolled forward to the template of revision 3');
    expect((await kube.getDeployment('payments', 'checkout')).spec?.template).toEqual(deployment().spec?.template);
  });
});
