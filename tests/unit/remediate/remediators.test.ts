import { describe, expect, it } from '@jest/globals';

import { deletePod, planDeletePod } from '../../../lib/remediate/delete-pod.ts';
import { remediators } from '../../../lib/remediate/registry.ts';
import { planRolloutRestart, restartBlocker, rolloutRestart } from '../../../lib/remediate/rollout-restart.ts';
import { ConflictError, DisruptionBudgetError } from '../../../lib/errors.ts';
import { evictPod } from '../../../lib/remediate/evict-pod.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { crashingPod, deployment } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

describe('rollout-restart', () => {
  it('plans the restartedAt value and the resourceVersion it was decided on', () => {
    const plan = planRolloutRestart('Deployment', deployment(), 'because', now);

    expect(rolloutRestart.paramsSchema.parse(plan.params)).toEqual({
      restartedAt: '2026-11-26T02:20:00.000Z',
      resourceVersion: '884213',
      revision: '3',
    });
  });

  it('dry-runs the patch without changing the Deployment', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = planRolloutRestart('Deployment', deployment(), 'because', now);

    const { change } = await rolloutRestart.apply(plan, rolloutRestart.paramsSchema.parse(plan.params), kube, {
      dryRun: true,
    });

    expect(change).toBe(
      'would set kubectl.kubernetes.io/restartedAt=2026-11-26T02:20:00.000Z on deployment payments/checkout',
    );
    expect(kube.writes).toEqual([expect.objectContaining({ verb: 'patch', dryRun: true })]);
    expect((await kube.getDeployment('payments', 'checkout')).spec?.template.metadata?.annotations).toBeUndefined();
  });

  it('sets the template annotation when applied', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = planRolloutRestart('Deployment', deployment(), 'because', now);

    await rolloutRestart.apply(plan, rolloutRestart.paramsSchema.parse(plan.params), kube, { dryRun: false });

    expect((await kube.getDeployment('payments', 'checkout')).spec?.template.metadata?.annotations).toEqual({
      'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00.000Z',
    });
  });

  it('retries after a conflict when only the resourceVersion moved (a scale, a status update)', async () => {
    const scaled = deployment();
    scaled.metadata!.resourceVersion = '900000';
    scaled.spec!.replicas = 5;
    const kube = new FakeKube().add(scaled);
    const plan = planRolloutRestart('Deployment', deployment(), 'because', now);

    await rolloutRestart.apply(plan, rolloutRestart.paramsSchema.parse(plan.params), kube, { dryRun: false });

    expect(kube.writes).toHaveLength(1);
    expect((await kube.getDeployment('payments', 'checkout')).spec?.template.metadata?.annotations).toEqual({
      'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00.000Z',
    });
  });

  it('refuses to retry after a conflict when the Deployment rolled out a new revision', async () => {
    const rolled = deployment();
    rolled.metadata!.resourceVersion = '900000';
    rolled.metadata!.annotations!['deployment.kubernetes.io/revision'] = '4';
    const kube = new FakeKube().add(rolled);
    const plan = planRolloutRestart('Deployment', deployment(), 'because', now);

    const attempt = rolloutRestart.apply(plan, rolloutRestart.paramsSchema.parse(plan.params), kube, { dryRun: false });

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow('moved to revision 4 since the diagnosis (revision 3)');
    expect(kube.writes).toEqual([]);
  });

  it('treats a conflict caused by its own earlier write as done', async () => {
    const restarted = deployment();
    restarted.metadata!.resourceVersion = '900000';
    restarted.spec!.template.metadata!.annotations = {
      'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00.000Z',
    };
    const kube = new FakeKube().add(restarted);
    const plan = planRolloutRestart('Deployment', deployment(), 'because', now);

    const { change } = await rolloutRestart.apply(plan, rolloutRestart.paramsSchema.parse(plan.params), kube, {
      dryRun: false,
    });

    expect(change).toContain('was already set');
    expect(kube.writes).toEqual([]);
  });

  it('reports a paused Deployment as a blocker', async () => {
    const kube = new FakeKube().add(deployment({ paused: true }));

    const state = await rolloutRestart.inspect(planRolloutRestart('Deployment', deployment(), 'because', now), kube);

    expect(state.blocker).toBe(restartBlocker('Deployment', deployment({ paused: true })));
    expect(state.blocker).toContain('paused');
  });
});

describe('delete-pod', () => {
  it('deletes only the pod with the diagnosed uid', async () => {
    const pod = crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } });
    const kube = new FakeKube().add(pod);
    const plan = planDeletePod(pod, 'because');

    const { change } = await deletePod.apply(plan, deletePod.paramsSchema.parse(plan.params), kube, { dryRun: false });

    expect(change).toBe('deleted pod payments/checkout-7d9f8b6c5d-x2k9p (uid a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e)');
    expect(kube.pods.size).toBe(0);
  });

  it('treats a second run after the pod is gone as already done', async () => {
    const pod = crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } });
    const kube = new FakeKube();
    const plan = planDeletePod(pod, 'because');

    const { change } = await deletePod.apply(plan, deletePod.paramsSchema.parse(plan.params), kube, { dryRun: false });

    expect(change).toContain('was already deleted');
    expect(kube.writes).toEqual([]);
  });

  it('blocks when the pod was replaced under the same name', async () => {
    const original = crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } });
    const replacement = crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } });
    replacement.metadata!.uid = 'new-uid';
    const kube = new FakeKube().add(replacement);

    const state = await deletePod.inspect(planDeletePod(original, 'because'), kube);

    expect(state.blocker).toBe('the pod was replaced since it was diagnosed');
  });

  it('blocks a pod with no controller', async () => {
    const pod = crashingPod({ owner: null });
    const kube = new FakeKube().add(pod);

    expect((await deletePod.inspect(planDeletePod(pod, 'because'), kube)).blocker).toContain('no controller');
  });
});

describe('remediator registry', () => {
  it('declares RBAC, dry-run support, verification and undo for every remediator', () => {
    for (const remediator of remediators) {
      expect(remediator.permissions.length).toBeGreaterThan(0);
      expect(remediator.permissions.every((permission) => permission.verbs.length > 0)).toBe(true);
      expect(remediator.verify).not.toBe('');
      expect(remediator.undo).not.toBe('');
    }
    expect(new Set(remediators.map((remediator) => remediator.action)).size).toBe(remediators.length);
  });
});

describe('evict-pod', () => {
  it('evicts the diagnosed pod, dry-run first', async () => {
    const pod = crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } });
    const kube = new FakeKube().add(pod);
    const plan = { ...planDeletePod(pod, 'because'), action: 'evict-pod' };

    expect((await evictPod.apply(plan, evictPod.paramsSchema.parse(plan.params), kube, { dryRun: true })).change).toBe(
      'would evict pod payments/checkout-7d9f8b6c5d-x2k9p (uid a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e)',
    );
    expect(kube.pods.size).toBe(1);
  });

  it('surfaces a PodDisruptionBudget refusal instead of retrying', async () => {
    const pod = crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } });
    const kube = new FakeKube().add(pod);
    kube.guardedByBudget.add('payments/checkout-7d9f8b6c5d-x2k9p');
    const plan = { ...planDeletePod(pod, 'because'), action: 'evict-pod' };

    await expect(
      evictPod.apply(plan, evictPod.paramsSchema.parse(plan.params), kube, { dryRun: false }),
    ).rejects.toBeInstanceOf(DisruptionBudgetError);
    expect(kube.writes).toEqual([]);
  });
});
