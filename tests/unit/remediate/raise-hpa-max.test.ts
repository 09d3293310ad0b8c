import { describe, expect, it } from '@jest/globals';
import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';

import type { Plan } from '../../../lib/domain/types.ts';
import { ValidationError } from '../../../lib/errors.ts';
import {
  raisedCeilingHealth,
  raiseHpaMax,
  RaiseHpaMaxLimitsSchema,
  type RaiseHpaMaxParams,
} from '../../../lib/remediate/raise-hpa-max.ts';
import { LimitsSchema } from '../../../lib/remediate/registry.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { CHECKOUT_HPA_UID, checkoutHpaFacts, hpa, hpaMaxedOutDiagnosis } from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
/** The merged config limits, as the fix receives them (its own schema keeps its keys). */
function limitsWith(overrides: Record<string, unknown> = {}) {
  return RaiseHpaMaxLimitsSchema.parse(LimitsSchema.parse(overrides));
}
const defaults = limitsWith();

function raise(from = 10, to = 15): Plan & { params: RaiseHpaMaxParams } {
  return {
    action: 'raise-hpa-max',
    target: { kind: 'HorizontalPodAutoscaler', namespace: 'payments', name: 'checkout', uid: CHECKOUT_HPA_UID },
    params: { from, to },
    reason: 'HPA checkout is pinned at its ceiling of 10 replicas and wants 14',
  };
}

/** The HPA after maxReplicas went to 15: the spec's generation moved to 3. */
function raisedHpa(status: Partial<NonNullable<V2HorizontalPodAutoscaler['status']>> = {}): V2HorizontalPodAutoscaler {
  const raised = hpa();
  raised.metadata!.generation = 3;
  raised.spec.maxReplicas = 15;
  raised.status = { ...raised.status!, observedGeneration: 3, ...status };
  return raised;
}

describe('raise-hpa-max plan', () => {
  it('raises the ceiling of an HPA pinned at it by half', () => {
    expect(raiseHpaMax.plan(hpaMaxedOutDiagnosis(), defaults, now)).toEqual({
      action: 'raise-hpa-max',
      target: { kind: 'HorizontalPodAutoscaler', namespace: 'payments', name: 'checkout', uid: CHECKOUT_HPA_UID },
      params: { from: 10, to: 15 },
      reason: 'HPA checkout is pinned at its ceiling of 10 replicas and wants 14',
    });
  });

  it.each([
    [1, 2],
    [3, 5],
    [7, 11],
  ])('raises a ceiling of %i to %i (half, rounded up, at least one)', (maxReplicas, to) => {
    const diagnosis = hpaMaxedOutDiagnosis({ hpa: checkoutHpaFacts({ maxReplicas, currentReplicas: maxReplicas }) });

    expect(raiseHpaMax.plan(diagnosis, defaults, now)).toMatchObject({ params: { from: maxReplicas, to } });
  });

  it('raises the ceiling no further than maxHpaReplicas', () => {
    const diagnosis = hpaMaxedOutDiagnosis({ hpa: checkoutHpaFacts({ maxReplicas: 40, currentReplicas: 40 }) });

    expect(raiseHpaMax.plan(diagnosis, defaults, now)).toMatchObject({ params: { from: 40, to: 50 } });
  });

  it('plans an HPA already at maxHpaReplicas past it, so that the limits guard refuses it and says why', () => {
    const diagnosis = hpaMaxedOutDiagnosis({ hpa: checkoutHpaFacts({ maxReplicas: 50, currentReplicas: 50 }) });
    const planned = raiseHpaMax.plan(diagnosis, defaults, now);

    expect(planned).toMatchObject({ params: { from: 50, to: 75 } });
    expect(raiseHpaMax.exceeds!({ from: 50, to: 75 }, defaults)).toBe(
      'raising maxReplicas to 75 is above maxHpaReplicas 50',
    );
  });

  it('does not answer an HPA that cannot scale at all', () => {
    expect(raiseHpaMax.plan(hpaMaxedOutDiagnosis({}, 'hpa-cannot-scale'), defaults, now)).toEqual({
      refused: 'raise-hpa-max answers hpa-maxed-out, not hpa-cannot-scale',
      fits: false,
    });
  });

  it('does not fit a diagnosis without HPA facts', () => {
    expect(raiseHpaMax.plan(hpaMaxedOutDiagnosis({ hpa: undefined }), defaults, now)).toEqual({
      refused: 'the diagnosis names no HorizontalPodAutoscaler',
      fits: false,
    });
  });
});

describe('raise-hpa-max limits', () => {
  it('defaults maxHpaReplicas to 50', () => {
    expect(defaults.maxHpaReplicas).toBe(50);
  });

  it.each([49, 50])('allows a new ceiling of %i under the default maxHpaReplicas', (to) => {
    expect(raiseHpaMax.exceeds!({ from: 40, to }, defaults)).toBeUndefined();
  });

  it('refuses a new ceiling above maxHpaReplicas', () => {
    expect(raiseHpaMax.exceeds!({ from: 40, to: 51 }, defaults)).toBe(
      'raising maxReplicas to 51 is above maxHpaReplicas 50',
    );
  });

  it('keeps to a configured maxHpaReplicas', () => {
    const limits = limitsWith({ maxHpaReplicas: 12 });

    expect(raiseHpaMax.exceeds!({ from: 10, to: 12 }, limits)).toBeUndefined();
    expect(raiseHpaMax.exceeds!({ from: 10, to: 15 }, limits)).toBe(
      'raising maxReplicas to 15 is above maxHpaReplicas 12',
    );
  });
});

describe('raisedCeilingHealth', () => {
  it('is healthy once the HPA runs more replicas than the old ceiling', () => {
    const scaled = raisedHpa({ currentReplicas: 13, desiredReplicas: 14 });

    expect(raisedCeilingHealth(scaled, { from: 10, to: 15 })).toEqual({
      state: 'healthy',
      detail: 'scaled to 13 replicas (above the old ceiling of 10)',
    });
  });

  it('is progressing while the controller has not observed the new generation', () => {
    const unseen = raisedHpa({ observedGeneration: 2 });

    expect(raisedCeilingHealth(unseen, { from: 10, to: 15 })).toEqual({
      state: 'progressing',
      detail: 'the HPA controller has not yet seen the new ceiling',
    });
  });

  it('is healthy when the HPA no longer wants more than its ceiling', () => {
    const settled = raisedHpa({
      desiredReplicas: 9,
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'ScaleDownStabilized' },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
        { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange' },
      ],
    });

    expect(raisedCeilingHealth(settled, { from: 10, to: 15 })).toEqual({
      state: 'healthy',
      detail: 'wants 9 replicas, no longer limited by its ceiling',
    });
  });

  it('is progressing while its scaling is still limited', () => {
    const limited = raisedHpa({
      desiredReplicas: 18,
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
        {
          type: 'ScalingLimited',
          status: 'True',
          reason: 'ScaleUpLimit',
          message: 'the desired replica count is increasing faster than the maximum scale rate',
        },
      ],
    });

    expect(raisedCeilingHealth(limited, { from: 10, to: 15 })).toEqual({
      state: 'progressing',
      detail: 'runs 10, wants 18 (ScaleUpLimit)',
    });
  });

  it('fails when the HPA cannot compute a replica count', () => {
    const blind = raisedHpa({
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale' },
        {
          type: 'ScalingActive',
          status: 'False',
          reason: 'FailedGetResourceMetric',
          message: 'the HPA was unable to compute the replica count: failed to get cpu utilization',
        },
      ],
    });

    expect(raisedCeilingHealth(blind, { from: 10, to: 15 })).toEqual({
      state: 'failed',
      detail:
        'the HPA cannot scale: FailedGetResourceMetric — the HPA was unable to compute the replica count: failed to get cpu utilization',
    });
  });
});

describe('raise-hpa-max apply', () => {
  it('raises maxReplicas and records the old value for the undo', async () => {
    const kube = new FakeKube().add(hpa());
    const plan = raise();

    const applied = await raiseHpaMax.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect(applied).toEqual({
      change: 'raised maxReplicas of HPA payments/checkout from 10 to 15',
      diff: ['spec.maxReplicas: 10 → 15'],
      undo: { maxReplicas: 10 },
    });
    expect((await kube.read('HorizontalPodAutoscaler', 'checkout', 'payments')).spec?.maxReplicas).toBe(15);
  });

  it('dry-runs the raise without changing the HPA', async () => {
    const kube = new FakeKube().add(hpa());
    const plan = raise();

    const { change } = await raiseHpaMax.apply(plan, plan.params, kube, { dryRun: true, limits: defaults });

    expect(change).toBe('would raise maxReplicas of HPA payments/checkout from 10 to 15');
    expect(kube.writes).toEqual([expect.objectContaining({ verb: 'patch', dryRun: true })]);
    expect((await kube.read('HorizontalPodAutoscaler', 'checkout', 'payments')).spec?.maxReplicas).toBe(10);
  });

  it('writes nothing on a second run that finds the new ceiling', async () => {
    const kube = new FakeKube().add(raisedHpa());
    const plan = raise();

    const { change } = await raiseHpaMax.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    expect(change).toBe('maxReplicas of HPA payments/checkout from 10 to 15: already raised');
    expect(kube.writes).toEqual([]);
  });

  it('refuses when someone else changed maxReplicas since the diagnosis', async () => {
    const changed = hpa();
    changed.spec.maxReplicas = 12;
    const kube = new FakeKube().add(changed);
    const plan = raise();

    const attempt = raiseHpaMax.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow('HPA payments/checkout has maxReplicas 12 now, not 10');
  });
});

describe('raise-hpa-max check and revert', () => {
  it('judges the HPA as read after the write', async () => {
    const kube = new FakeKube().add(raisedHpa({ currentReplicas: 14 }));
    const plan = raise();

    expect(await raiseHpaMax.check!(plan, plan.params, kube, { change: '' }, now)).toEqual({
      state: 'healthy',
      detail: 'scaled to 14 replicas (above the old ceiling of 10)',
    });
  });

  it('sets maxReplicas back to the recorded value', async () => {
    const kube = new FakeKube().add(hpa());
    const plan = raise();
    const applied = await raiseHpaMax.apply(plan, plan.params, kube, { dryRun: false, limits: defaults });

    const undone = await raiseHpaMax.revert!(plan, plan.params, kube, applied);

    expect(undone).toBe('set maxReplicas of HPA payments/checkout back to 10');
    expect((await kube.read('HorizontalPodAutoscaler', 'checkout', 'payments')).spec?.maxReplicas).toBe(10);
  });
});
