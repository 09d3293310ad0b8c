import type { V1DaemonSet, V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import * as z from 'zod';

import type { Diagnosis, ObjectRef, Plan } from '../domain/types.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { REVISION_ANNOTATION, rolloutState } from '../kube/objects.ts';
import { objectDiff } from './object-diff.ts';
import { ROLLOUT_CHECK_READS, workloadRolloutHealth, workloadWrites } from './rollout-status.ts';
import { metadataFacts, requireNamespace, type Refusal, type Remediator } from './remediator.ts';

/** The pod-template annotation `kubectl rollout restart` sets; changing it rolls every pod. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Writes tried when the Deployment keeps changing in ways that do not matter (scaling, status). */
const MAX_WRITES = 3;

export const RolloutRestartParamsSchema = z.object({
  /** Decided when planning, so running the plan twice writes the same value and rolls once. */
  restartedAt: z.iso.datetime({ offset: true }),
  /** The Deployment's resourceVersion when it was diagnosed: the first write is guarded by it. */
  resourceVersion: z.string().min(1).optional(),
  /** The rollout revision diagnosed; a restart is retried after a conflict only if it is unchanged. */
  revision: z.string().min(1).optional(),
});
export type RolloutRestartParams = z.infer<typeof RolloutRestartParamsSchema>;

/** The workloads a rollout restart applies to. */
export const RESTARTABLE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type RestartableKind = (typeof RESTARTABLE_KINDS)[number];
type Workload = V1Deployment | V1StatefulSet | V1DaemonSet;

/**
 * The revision a workload is at: the Deployment's revision annotation, else the spec's generation
 * (which a scale also moves: a StatefulSet or DaemonSet changed in any way is not restarted blind).
 */
function revisionOf(kind: RestartableKind, workload: Workload): string | undefined {
  if (kind === 'Deployment') return workload.metadata?.annotations?.[REVISION_ANNOTATION];
  const generation = workload.metadata?.generation;
  return generation === undefined ? undefined : `generation ${generation}`;
}

/** Why a workload cannot be restarted as it is, or undefined. Pure. */
export function restartBlocker(
  kind: RestartableKind,
  state: { paused: boolean; onDelete: boolean; deleting: boolean },
): string | undefined {
  if (state.deleting) return `the ${kind} is being deleted`;
  if (state.paused) return 'the Deployment is paused; a restart would not roll out until it is resumed';
  if (state.onDelete) return `the ${kind} updates OnDelete; a restart would change no running pod`;
  return undefined;
}

function restartableKind(plan: Plan): RestartableKind {
  const kind = RESTARTABLE_KINDS.find((k) => k === plan.target.kind);
  if (kind === undefined) throw new ValidationError(`rollout-restart cannot restart a ${plan.target.kind}`);
  return kind;
}

/** A rollout restart of the diagnosis's workload, decided now (so a second run writes the same value). Pure. */
export function planRestart(diagnosis: Diagnosis, now: Date): Plan | Refusal {
  const workload = diagnosis.facts.workload;
  if (workload === undefined) {
    return { refused: 'the diagnosis names no Deployment, StatefulSet or DaemonSet to restart', fits: false };
  }
  const blocker = restartBlocker(workload.kind, workload);
  if (blocker !== undefined) return { refused: blocker, fits: true };
  const target: ObjectRef = {
    kind: workload.kind,
    namespace: workload.namespace,
    name: workload.name,
    ...(workload.uid === undefined ? {} : { uid: workload.uid }),
  };
  const params: RolloutRestartParams = {
    restartedAt: now.toISOString(),
    ...(workload.resourceVersion === undefined ? {} : { resourceVersion: workload.resourceVersion }),
    ...(workload.revision === undefined ? {} : { revision: workload.revision }),
  };
  const restarts = diagnosis.facts.container?.restarts;
  return {
    action: 'rollout-restart',
    target,
    params,
    reason: `${diagnosis.summary}${restarts === undefined ? '' : ` (${restarts} restarts)`}: a fresh set of pods clears state-dependent crashes`,
  };
}

export const rolloutRestart: Remediator<RolloutRestartParams> = {
  action: 'rollout-restart',
  description:
    'Restarts every pod of a Deployment, StatefulSet or DaemonSet the way `kubectl rollout restart` does (a new pod-template annotation), honouring the rollout strategy; refused when paused or OnDelete.',
  needs: ['workload'],
  paramsSchema: RolloutRestartParamsSchema,
  permissions: [...workloadWrites(RESTARTABLE_KINDS), ...ROLLOUT_CHECK_READS],
  supportsDryRun: true,
  verify:
    'every replica is updated and available (the alerting pod replaced); a new pod stuck in CrashLoopBackOff or an image pull error, or a passed progress deadline, fails it',
  undo: 'none needed: a restart changes no configuration; roll back the Deployment if the new pods are worse',
  plan: (diagnosis, _limits, now) => planRestart(diagnosis, now),
  byHand: (now) => ({ restartedAt: now.toISOString() }),
  inspect: async (plan, kube) => {
    const kind = restartableKind(plan);
    const workload = await kube.read(kind, plan.target.name, requireNamespace(plan));
    return {
      ...metadataFacts(workload),
      blocker: restartBlocker(kind, rolloutState(workload)),
      object: workload,
    };
  },
  apply: async (plan, params, kube, { dryRun, inspected }) => {
    const namespace = requireNamespace(plan);
    const kind = restartableKind(plan);
    const what = `${RESTARTED_AT_ANNOTATION}=${params.restartedAt} on ${kind.toLowerCase()} ${namespace}/${plan.target.name}`;
    const body = {
      spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: params.restartedAt } } } },
    };
    let resourceVersion = params.resourceVersion;
    for (let attempt = 1; ; attempt += 1) {
      try {
        // The first write diffs against what inspect just read; a retry reads afresh.
        const before: unknown =
          attempt === 1 && inspected?.object !== undefined
            ? inspected.object
            : await kube.read(kind, plan.target.name, namespace);
        const after = await kube.patch(kind, plan.target.name, namespace, body, { dryRun, resourceVersion });
        return { change: `${dryRun ? 'would set' : 'set'} ${what}`, diff: objectDiff(before, after) };
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= MAX_WRITES) throw error;
        // The workload changed since it was read. A scale or a status update does not change
        // the diagnosis; a new rollout, a pause or an earlier run of this same plan does.
        const current = await kube.read(kind, plan.target.name, namespace);
        if (current.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === params.restartedAt) {
          return { change: `${what} was already set`, diff: [] };
        }
        const revision = revisionOf(kind, current);
        if (params.revision !== undefined && revision !== params.revision) {
          throw new ConflictError(
            `${kind.toLowerCase()} ${namespace}/${plan.target.name} moved to revision ${revision ?? '?'} since the diagnosis (revision ${params.revision}); not restarting`,
            { cause: error },
          );
        }
        const blocker = restartBlocker(kind, rolloutState(current));
        if (blocker !== undefined) throw new ConflictError(`${blocker}; not restarting`, { cause: error });
        resourceVersion = current.metadata?.resourceVersion;
      }
    }
  },
  check: (plan, _params, kube, _applied, appliedAt) =>
    workloadRolloutHealth(kube, restartableKind(plan), requireNamespace(plan), plan.target.name, appliedAt),
};
