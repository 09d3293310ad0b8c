import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import * as z from 'zod';

import type { Diagnosis, Plan } from '../domain/types.ts';
import { widening } from '../domain/widening.ts';
import { ValidationError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { condition } from '../kube/objects.ts';
import { objectDiff } from './object-diff.ts';
import {
  answersRefusal,
  metadataFacts,
  requireNamespace,
  type Health,
  type Refusal,
  type Remediator,
} from './remediator.ts';

export const RaiseHpaMaxParamsSchema = z.object({
  /** maxReplicas when diagnosed; refused if it changed since. */
  from: z.number().int().positive(),
  to: z.number().int().positive(),
});
export type RaiseHpaMaxParams = z.infer<typeof RaiseHpaMaxParamsSchema>;

export const RaiseHpaMaxLimitsSchema = z.object({
  /** raise-hpa-max: never raise an HPA's maxReplicas above this. */
  maxHpaReplicas: z.number().int().positive().default(50).register(widening, { widens: 'higher' }),
});
export type RaiseHpaMaxLimits = z.infer<typeof RaiseHpaMaxLimitsSchema>;

/**
 * Raise the ceiling of an HPA pinned at it by half (at least one replica), up to maxHpaReplicas;
 * an HPA already at that cap is planned past it, for the limits guard to refuse and say so. Pure.
 */
function planRaise(diagnosis: Diagnosis, limits: RaiseHpaMaxLimits): Plan | Refusal {
  const skip = answersRefusal(raiseHpaMax, diagnosis);
  if (skip !== undefined) return skip;
  const hpa = diagnosis.facts.hpa;
  if (hpa === undefined) return { refused: 'the diagnosis names no HorizontalPodAutoscaler', fits: false };
  const from = hpa.maxReplicas;
  const wanted = from + Math.max(1, Math.ceil(from / 2));
  const to = from < limits.maxHpaReplicas ? Math.min(wanted, limits.maxHpaReplicas) : wanted;
  return {
    action: 'raise-hpa-max',
    target: {
      kind: 'HorizontalPodAutoscaler',
      namespace: hpa.namespace,
      name: hpa.name,
      ...(hpa.uid === undefined ? {} : { uid: hpa.uid }),
    },
    params: { from, to } satisfies RaiseHpaMaxParams,
    reason: `HPA ${hpa.name} is pinned at its ceiling of ${from} replicas and wants ${hpa.desiredReplicas}`,
  };
}

/**
 * After raising the ceiling: healthy once the HPA scales above the old ceiling or no longer wants
 * more than the new one; failed when it cannot scale at all (metrics, target). Pure.
 */
export function raisedCeilingHealth(hpa: V2HorizontalPodAutoscaler, params: RaiseHpaMaxParams): Health {
  const current = hpa.status?.currentReplicas ?? 0;
  const desired = hpa.status?.desiredReplicas ?? 0;
  const blocked = ['AbleToScale', 'ScalingActive']
    .map((type) => condition(hpa.status?.conditions, type))
    .find((c) => c?.status === 'False');
  if (blocked !== undefined) {
    return { state: 'failed', detail: `the HPA cannot scale: ${blocked.reason ?? ''} — ${blocked.message ?? ''}` };
  }
  if (current > params.from) {
    return { state: 'healthy', detail: `scaled to ${current} replicas (above the old ceiling of ${params.from})` };
  }
  // Until the controller has seen the new ceiling, its status speaks of the old one.
  if ((hpa.status?.observedGeneration ?? 0) < (hpa.metadata?.generation ?? 0)) {
    return { state: 'progressing', detail: 'the HPA controller has not yet seen the new ceiling' };
  }
  const limited = condition(hpa.status?.conditions, 'ScalingLimited');
  if (limited?.status !== 'True') {
    return { state: 'healthy', detail: `wants ${desired} replicas, no longer limited by its ceiling` };
  }
  return { state: 'progressing', detail: `runs ${current}, wants ${desired} (${limited.reason ?? 'limited'})` };
}

async function setMax(kube: KubeApi, plan: Plan, from: number, to: number, dryRun: boolean) {
  const namespace = requireNamespace(plan);
  const before = await kube.read('HorizontalPodAutoscaler', plan.target.name, namespace);
  const current = before.spec?.maxReplicas;
  if (current === to) return undefined;
  if (current !== from) {
    throw new ValidationError(
      `HPA ${namespace}/${plan.target.name} has maxReplicas ${current ?? '?'} now, not ${from}`,
    );
  }
  const after = await kube.patch(
    'HorizontalPodAutoscaler',
    plan.target.name,
    namespace,
    { spec: { maxReplicas: to } },
    { dryRun, resourceVersion: before.metadata?.resourceVersion },
  );
  return objectDiff(before, after);
}

export const raiseHpaMax: Remediator<RaiseHpaMaxParams, RaiseHpaMaxLimits> = {
  action: 'raise-hpa-max',
  description: "Raises an HPA's maxReplicas by half when it is pinned at its ceiling, up to limits.maxHpaReplicas.",
  needs: ['hpa'],
  answers: ['hpa-maxed-out'],
  paramsSchema: RaiseHpaMaxParamsSchema,
  fromLive: (live) => (live.spec?.maxReplicas === undefined ? {} : { from: live.spec.maxReplicas }),
  limits: RaiseHpaMaxLimitsSchema,
  permissions: [{ apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verbs: ['get', 'patch'] }],
  supportsDryRun: true,
  verify: 'the HPA scales above its old ceiling, or no longer wants more than the new one',
  undo: 'set maxReplicas back to the recorded value',
  plan: (diagnosis, limits) => planRaise(diagnosis, limits),
  exceeds: (params, limits) =>
    params.to > limits.maxHpaReplicas
      ? `raising maxReplicas to ${params.to} is above maxHpaReplicas ${limits.maxHpaReplicas}`
      : undefined,
  inspect: async (plan, kube) => {
    const hpa = await kube.read('HorizontalPodAutoscaler', plan.target.name, requireNamespace(plan));
    return { ...metadataFacts(hpa) };
  },
  apply: async (plan, params, kube, { dryRun }) => {
    const what = `maxReplicas of HPA ${requireNamespace(plan)}/${plan.target.name} from ${params.from} to ${params.to}`;
    const diff = await setMax(kube, plan, params.from, params.to, dryRun);
    if (diff === undefined) return { change: `${what}: already raised`, diff: [], undo: { maxReplicas: params.from } };
    return { change: `${dryRun ? 'would raise' : 'raised'} ${what}`, diff, undo: { maxReplicas: params.from } };
  },
  check: async (plan, params, kube) =>
    raisedCeilingHealth(await kube.read('HorizontalPodAutoscaler', plan.target.name, requireNamespace(plan)), params),
  revert: async (plan, params, kube) => {
    await setMax(kube, plan, params.to, params.from, false);
    return `set maxReplicas of HPA ${requireNamespace(plan)}/${plan.target.name} back to ${params.from}`;
  },
};
