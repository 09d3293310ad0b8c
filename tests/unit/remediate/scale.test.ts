import { describe, expect, it } from '@jest/globals';
import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';

import type { Plan } from '../../../lib/domain/types.ts';
import { ValidationError } from '../../../lib/errors.ts';
import { LimitsSchema } from '../../../lib/remediate/registry.ts';
import { scale, ScaleLimitsSchema, type ScaleParams } from '../../../lib/remediate/scale.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { deployment, nodeExporterDaemonSet } from '../../helpers/fixtures.ts';
import {
  CHECKOUT_UID,
  crashLoopDiagnosis,
  hpa,
  hpaMaxedOutDiagnosis,
  statefulSet,
} from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
/** The merged config limits, as the fix receives them (its own schema keeps its keys). */
function limitsWith(overrides: Record<string, unknown> = {}) {
  return ScaleLimitsSchema.parse(LimitsSchema.parse(overrides));
}
const defaults = limitsWith();

function scaleCheckout(from: number, replicas: number): Plan & { params: ScaleParams } {
  return {
    action: 'scale',
    target: { kind: 'Deployment', namespace: 'payments', name: 'checkout', uid: CHECKOUT_UID },
    params: { from, replicas },
    reason: 'kubemend run by alice@example.com',
  };
}

describe('scale plan', () => {
  it.each([
    ['crash-loop', crashLoopDiagnosis()],
    ['hpa-maxed-out', hpaMaxedOutDiagnosis()],
  ])('is run by hand only: it answers no %s diagnosis', (_anomaly, diagnosis) => {
    expect(scale.plan(diagnosis, defaults, now)).toEqual({
      refused: 'scale is run by hand only (kubemend run)',
      fits: false,
    });
  });
});

describe('scale limits', () => {
  it('defaults maxReplicas to 20', () => {
    expect(defaults.maxReplicas).toBe(20);
  });

  it.each([19, 20])('allows %i replicas under the default maxReplicas of 20', (replicas) => {
    expect(scale.exceeds!({ from: 3, replicas }, defaults)).toBeUndefined();
  });

  it('refuses one replica above the default maxReplicas', () => {
    expect(scale.exceeds!({ from: 3, replicas: 21 }, defaults)).toBe('scale to 21 is above maxReplicas 20');
  });

  it('keeps to a configured maxReplicas', () => {
    const limits = limitsWith({ maxReplicas: 5 });

    expect(scale.exceeds!({ from: 3, replicas: 5 }, limits)).toBeUndefined();
    expect(scale.exceeds!({ from: 3, replicas: 6 }, limits)).toBe('scale to 6 is above maxReplicas 5');
  });
});

describe('scale inspect', () => {
  it('blocks a Deployment whose replicas an HPA manages', async () => {
    const kube = new FakeKube().add(deployment(), hpa());

    const state = await scale.inspect(scaleCheckout(3, 5), kube);

    expect(state.blocker).toBe(
      "HPA checkout manages its replicas and would undo a scale; change the HPA's bounds instead",
    );
  });

  it('does not block for an HPA that scales another workload', async () => {
    const other: V2HorizontalPodAutoscaler = hpa();
    other.metadata!.name = 'cart';
    other.spec.scaleTargetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart' };
    const kube = new FakeKube().add(deployment(), other);

    expect((await scale.inspect(scaleCheckout(3, 5), kube)).blocker).toBeUndefined();
  });
});

describe('scale apply', () => {
  it('sets spec.replicas, guarded by the count seen when planning, and records it for the undo', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = scaleCheckout(3, 5);

    const applied = await scale.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect(applied).toEqual({
      change: 'scaled deployment payments/checkout from 3 to 5 replicas',
      diff: ['spec.replicas: 3 → 5'],
      undo: { replicas: 3 },
    });
    expect((await kube.getDeployment('payments', 'checkout')).spec?.replicas).toBe(5);
  });

  it('dry-runs the scale without changing the Deployment', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = scaleCheckout(3, 5);

    const { change } = await scale.apply(plan, plan.params, kube, { dryRun: true, limits: defaults });

    expect(change).toBe('would scale deployment payments/checkout from 3 to 5 replicas');
    expect(kube.writes).toEqual([expect.objectContaining({ verb: 'patch', dryRun: true })]);
    expect((await kube.getDeployment('payments', 'checkout')).spec?.replicas).toBe(3);
  });

  it('writes nothing on a second run that finds the new count', async () => {
    const scaled = deployment();
    scaled.spec!.replicas = 5;
    const kube = new FakeKube().add(scaled);
    const plan = scaleCheckout(3, 5);

    const applied = await scale.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect(applied).toEqual({
      change: 'deployment payments/checkout from 3 to 5 replicas: already scaled',
      diff: [],
      undo: { replicas: 3 },
    });
    expect(kube.writes).toEqual([]);
  });

  it('refuses when someone else changed the replica count since the plan', async () => {
    const rescaled = deployment();
    rescaled.spec!.replicas = 4;
    const kube = new FakeKube().add(rescaled);
    const plan = scaleCheckout(3, 5);

    const attempt = scale.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow('deployment payments/checkout has 4 replicas now, not 3');
    expect(kube.writes).toEqual([]);
  });

  it('scales a StatefulSet the same way', async () => {
    const kube = new FakeKube().add(statefulSet());
    const plan: Plan & { params: ScaleParams } = {
      ...scaleCheckout(3, 4),
      target: { kind: 'StatefulSet', namespace: 'payments', name: 'ledger' },
    };

    await scale.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect((await kube.read('StatefulSet', 'ledger', 'payments')).spec?.replicas).toBe(4);
  });

  it('refuses a kind it cannot scale', async () => {
    const kube = new FakeKube().add(nodeExporterDaemonSet());
    const plan: Plan & { params: ScaleParams } = {
      ...scaleCheckout(3, 4),
      target: { kind: 'DaemonSet', namespace: 'monitoring', name: 'node-exporter' },
    };

    await expect(scale.apply(plan, plan.params, kube, { dryRun: false, limits: defaults })).rejects.toThrow(
      'scale cannot scale a DaemonSet',
    );
  });
});

describe('scale revert', () => {
  it('scales back to the recorded count', async () => {
    const kube = new FakeKube().add(deployment());
    const plan = scaleCheckout(3, 5);
    const applied = await scale.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    const undone = await scale.revert!(plan, plan.params, kube, applied);

    expect(undone).toBe('scaled deployment payments/checkout back to 3 replicas');
    expect((await kube.getDeployment('payments', 'checkout')).spec?.replicas).toBe(3);
  });
});
