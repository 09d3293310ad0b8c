import * as z from 'zod';

import { widening } from '../domain/widening.ts';
import type { Plan } from '../domain/types.ts';
import { ValidationError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { objectDiff } from './object-diff.ts';
import { answersRefusal, metadataFacts, requireNamespace, type Refusal, type Remediator } from './remediator.ts';
import { ROLLOUT_CHECK_READS, workloadRolloutHealth, workloadWrites } from './rollout-status.ts';

const SCALABLE = ['Deployment', 'StatefulSet'] as const;
type ScalableKind = (typeof SCALABLE)[number];

export const ScaleParamsSchema = z.object({
  /** The replica count seen when planning; the scale is refused if it changed since. */
  from: z.number().int().nonnegative(),
  replicas: z.number().int().nonnegative(),
});
export type ScaleParams = z.infer<typeof ScaleParamsSchema>;

export const ScaleLimitsSchema = z.object({
  /** scale: never above this many replicas. */
  maxReplicas: z.number().int().positive().default(20).register(widening, { widens: 'higher' }),
});
export type ScaleLimits = z.infer<typeof ScaleLimitsSchema>;

function scalableKind(plan: Plan): ScalableKind {
  const kind = SCALABLE.find((k) => k === plan.target.kind);
  if (kind === undefined) throw new ValidationError(`scale cannot scale a ${plan.target.kind}`);
  return kind;
}

/** Sets spec.replicas to `to` if it is still `from`; returns the diff, or undefined when already `to`. */
async function setReplicas(kube: KubeApi, plan: Plan, from: number, to: number, dryRun: boolean) {
  const kind = scalableKind(plan);
  const namespace = requireNamespace(plan);
  const before = await kube.read(kind, plan.target.name, namespace);
  const current = before.spec?.replicas ?? 1;
  if (current === to) return undefined;
  if (current !== from) {
    throw new ValidationError(
      `${kind.toLowerCase()} ${namespace}/${plan.target.name} has ${current} replicas now, not ${from}`,
    );
  }
  const after = await kube.patch(
    kind,
    plan.target.name,
    namespace,
    { spec: { replicas: to } },
    {
      dryRun,
      resourceVersion: before.metadata?.resourceVersion,
    },
  );
  return objectDiff(before, after);
}

export const scale: Remediator<ScaleParams, ScaleLimits> = {
  action: 'scale',
  fromLive: (live) => ({ from: live.spec?.replicas ?? 1 }),
  description:
    'Sets the replicas of a Deployment or StatefulSet, within limits.maxReplicas; refused when an HorizontalPodAutoscaler manages it (raise the HPA instead).',
  needs: [],
  answers: [],
  paramsSchema: ScaleParamsSchema,
  limits: ScaleLimitsSchema,
  permissions: [
    ...workloadWrites(SCALABLE),
    ...ROLLOUT_CHECK_READS,
    { apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verbs: ['list'] },
  ],
  supportsDryRun: true,
  verify: 'every replica is updated and available',
  undo: 'scale back to the recorded replica count',
  plan: (diagnosis) => answersRefusal(scale, diagnosis) as Refusal,
  exceeds: (params, limits) =>
    params.replicas > limits.maxReplicas
      ? `scale to ${params.replicas} is above maxReplicas ${limits.maxReplicas}`
      : undefined,
  inspect: async (plan, kube) => {
    const kind = scalableKind(plan);
    const namespace = requireNamespace(plan);
    const workload = await kube.read(kind, plan.target.name, namespace);
    const hpas = await kube.list('HorizontalPodAutoscaler', { namespace, max: 500 });
    const managed = hpas.find(
      (h) => h.spec?.scaleTargetRef.kind === kind && h.spec.scaleTargetRef.name === plan.target.name,
    );
    return {
      ...metadataFacts(workload),
      blocker:
        managed === undefined
          ? undefined
          : `HPA ${managed.metadata?.name ?? ''} manages its replicas and would undo a scale; change the HPA's bounds instead`,
    };
  },
  apply: async (plan, params, kube, { dryRun }) => {
    const what = `${plan.target.kind.toLowerCase()} ${requireNamespace(plan)}/${plan.target.name} from ${params.from} to ${params.replicas} replicas`;
    const diff = await setReplicas(kube, plan, params.from, params.replicas, dryRun);
    if (diff === undefined) return { change: `${what}: already scaled`, diff: [], undo: { replicas: params.from } };
    return { change: `${dryRun ? 'would scale' : 'scaled'} ${what}`, diff, undo: { replicas: params.from } };
  },
  check: (plan, _params, kube, _applied, appliedAt) =>
    workloadRolloutHealth(kube, scalableKind(plan), requireNamespace(plan), plan.target.name, appliedAt),
  revert: async (plan, params, kube) => {
    await setReplicas(kube, plan, params.replicas, params.from, false);
    return `scaled ${plan.target.kind.toLowerCase()} ${requireNamespace(plan)}/${plan.target.name} back to ${params.from} replicas`;
  },
};
