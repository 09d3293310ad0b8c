import * as z from 'zod';

import type { Diagnosis, Plan } from '../domain/types.ts';
import { widening } from '../domain/widening.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { rolloutState } from '../kube/objects.ts';
import { grow, QUANTITY } from '../kube/quantity.ts';
import { objectDiff } from './object-diff.ts';
import { answersRefusal, metadataFacts, requireNamespace, type Refusal, type Remediator } from './remediator.ts';
import { restartBlocker, RESTARTABLE_KINDS, type RestartableKind } from './rollout-restart.ts';
import { ROLLOUT_CHECK_READS, workloadRolloutHealth, workloadWrites } from './rollout-status.ts';

export const RaiseMemoryParamsSchema = z.object({
  container: z.string().min(1),
  /** The container's memory limit and request when diagnosed; refused if they changed since. */
  fromLimit: z.string().min(1),
  fromRequest: z.string().min(1).optional(),
});
export type RaiseMemoryParams = z.infer<typeof RaiseMemoryParamsSchema>;

interface Memory {
  limit: string;
  request?: string;
}

export const RaiseMemoryLimitsSchema = z.object({
  /** raise-memory: multiply the limit (and request) by this factor, up to maxMemory. */
  memoryFactor: z.number().gt(1).max(4).default(1.5).register(widening, { widens: 'higher' }),
  maxMemory: z
    .string()
    .regex(QUANTITY, 'expected a quantity such as 4Gi')
    .default('4Gi')
    .register(widening, { widens: 'higher' }),
});
export type RaiseMemoryLimits = z.infer<typeof RaiseMemoryLimitsSchema>;

/** Raise the memory of the OOM-killed container in the workload that owns its pod. Pure. */
function planRaise(diagnosis: Diagnosis, limits: RaiseMemoryLimits): Plan | Refusal {
  const skip = answersRefusal(raiseMemory, diagnosis);
  if (skip !== undefined) return skip;
  const { workload, container } = diagnosis.facts;
  if (workload === undefined || container === undefined) {
    return { refused: 'the diagnosis names no workload and container to raise the memory of', fits: false };
  }
  if (container.memoryLimit === undefined) {
    return { refused: `container ${container.name} has no memory limit to raise`, fits: true };
  }
  const blocker = restartBlocker(workload.kind, workload);
  if (blocker !== undefined) return { refused: `${blocker}: the new limit would reach no running pod`, fits: true };
  const to = raisedMemory({ container: container.name, fromLimit: container.memoryLimit }, limits);
  return {
    action: 'raise-memory',
    target: {
      kind: workload.kind,
      namespace: workload.namespace,
      name: workload.name,
      ...(workload.uid === undefined ? {} : { uid: workload.uid }),
    },
    params: {
      container: container.name,
      fromLimit: container.memoryLimit,
      ...(container.memoryRequest === undefined ? {} : { fromRequest: container.memoryRequest }),
    } satisfies RaiseMemoryParams,
    reason: `container ${container.name} was OOM-killed at its ${container.memoryLimit} limit after ${container.restarts} restarts: more memory (${to === undefined ? `already at maxMemory ${limits.maxMemory}` : `limit ${to.limit}`}) stops the kills if the need is steady (not a leak)`,
  };
}

/** The new limit and request: each grown by the factor, in whole Mi, up to maxMemory. */
export function raisedMemory(
  params: Pick<RaiseMemoryParams, 'fromLimit' | 'fromRequest'> & { container: string },
  limits: RaiseMemoryLimits,
): Memory | undefined {
  const limit = grow(params.fromLimit, limits.memoryFactor, limits.maxMemory, 'Mi');
  if (limit === undefined) return undefined;
  const request =
    params.fromRequest === undefined
      ? undefined
      : (grow(params.fromRequest, limits.memoryFactor, limit, 'Mi') ?? limit);
  return { limit, ...(request === undefined ? {} : { request }) };
}

function kindOf(plan: Plan): RestartableKind {
  const kind = RESTARTABLE_KINDS.find((k) => k === plan.target.kind);
  if (kind === undefined) throw new ValidationError(`raise-memory cannot change a ${plan.target.kind}`);
  return kind;
}

/**
 * Sets the container's memory to `to` if it is still `from`; undefined when it already is `to`.
 * The write is guarded by the resourceVersion read; a conflict (a controller's status write in
 * between, say) reads again and checks `from` again, a few times.
 */
async function setMemory(kube: KubeApi, plan: Plan, container: string, from: Memory, to: Memory, dryRun: boolean) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await setMemoryOnce(kube, plan, container, from, to, dryRun);
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= MAX_WRITES) throw error;
    }
  }
}

const MAX_WRITES = 3;

async function setMemoryOnce(kube: KubeApi, plan: Plan, container: string, from: Memory, to: Memory, dryRun: boolean) {
  const kind = kindOf(plan);
  const namespace = requireNamespace(plan);
  const before = await kube.read(kind, plan.target.name, namespace);
  const spec = before.spec?.template.spec?.containers.find((c) => c.name === container);
  if (spec === undefined)
    throw new ValidationError(`${kind.toLowerCase()} ${namespace}/${plan.target.name} has no container ${container}`);
  const current = { limit: spec.resources?.limits?.memory, request: spec.resources?.requests?.memory };
  if (current.limit === to.limit && current.request === to.request) return undefined;
  if (current.limit !== from.limit || current.request !== from.request) {
    throw new ValidationError(
      `container ${container} has memory limit ${current.limit ?? 'none'} and request ${current.request ?? 'none'} now, not ${from.limit} and ${from.request ?? 'none'}`,
    );
  }
  const resources = {
    limits: { memory: to.limit },
    ...(to.request === undefined ? {} : { requests: { memory: to.request } }),
  };
  const after = await kube.patch(
    kind,
    plan.target.name,
    namespace,
    { spec: { template: { spec: { containers: [{ name: container, resources }] } } } },
    { dryRun, resourceVersion: before.metadata?.resourceVersion },
  );
  return objectDiff(before, after);
}

export const raiseMemory: Remediator<RaiseMemoryParams, RaiseMemoryLimits> = {
  action: 'raise-memory',
  description:
    "Raises an OOM-killed container's memory limit (and request) by limits.memoryFactor, up to limits.maxMemory, in its Deployment, StatefulSet or DaemonSet; this rolls its pods.",
  needs: ['workload', 'container'],
  answers: ['oom-killed'],
  paramsSchema: RaiseMemoryParamsSchema,
  // The container named, or the only one; its memory as it is now.
  fromLive: (live, given) => {
    const containers = live.spec?.template?.spec?.containers ?? [];
    const container =
      typeof given.container === 'string'
        ? containers.find((c) => c.name === given.container)
        : containers.length === 1
          ? containers[0]
          : undefined;
    const limit = container?.resources?.limits?.memory;
    const request = container?.resources?.requests?.memory;
    return container === undefined
      ? {}
      : {
          container: container.name,
          ...(limit === undefined ? {} : { fromLimit: limit }),
          ...(request === undefined ? {} : { fromRequest: request }),
        };
  },
  limits: RaiseMemoryLimitsSchema,
  permissions: [...workloadWrites(RESTARTABLE_KINDS), ...ROLLOUT_CHECK_READS],
  supportsDryRun: true,
  verify: 'every replica runs the new limits and is available; a new pod that crash loops (OOM again) fails it',
  undo: 'set the recorded limit and request back',
  plan: (diagnosis, limits) => planRaise(diagnosis, limits),
  exceeds: (params, limits) =>
    raisedMemory(params, limits) === undefined
      ? `memory limit ${params.fromLimit} is already at maxMemory ${limits.maxMemory}`
      : undefined,
  inspect: async (plan, kube) => {
    const kind = kindOf(plan);
    const workload = await kube.read(kind, plan.target.name, requireNamespace(plan));
    const blocker = restartBlocker(kind, rolloutState(workload));
    return {
      ...metadataFacts(workload),
      ...(blocker === undefined ? {} : { blocker: `${blocker}: the new limit would reach no running pod` }),
    };
  },
  apply: async (plan, params, kube, { dryRun, limits }) => {
    const to = raisedMemory(params, limits);
    if (to === undefined) throw new ValidationError(`memory limit ${params.fromLimit} is already at the cap`);
    const from = { limit: params.fromLimit, request: params.fromRequest };
    const what = `memory of container ${params.container} in ${plan.target.kind.toLowerCase()} ${requireNamespace(plan)}/${plan.target.name}: limit ${from.limit} → ${to.limit}${to.request === undefined ? '' : `, request ${from.request ?? 'none'} → ${to.request}`}`;
    const undo = { limit: to.limit, request: to.request };
    const diff = await setMemory(kube, plan, params.container, from, to, dryRun);
    if (diff === undefined) return { change: `${what}: already raised`, diff: [], undo };
    return { change: `${dryRun ? 'would raise' : 'raised'} ${what}`, diff, undo };
  },
  check: (plan, _params, kube, _applied, appliedAt) =>
    workloadRolloutHealth(kube, kindOf(plan), requireNamespace(plan), plan.target.name, appliedAt),
  revert: async (plan, params, kube, applied) => {
    const { limit, request } = applied.undo ?? {};
    const to = {
      limit: typeof limit === 'string' ? limit : '',
      request: typeof request === 'string' ? request : undefined,
    };
    await setMemory(kube, plan, params.container, to, { limit: params.fromLimit, request: params.fromRequest }, false);
    return `set the memory of container ${params.container} back to limit ${params.fromLimit}${params.fromRequest === undefined ? '' : `, request ${params.fromRequest}`}`;
  },
};
