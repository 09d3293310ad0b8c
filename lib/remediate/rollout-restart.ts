import type { V1Deployment } from '@kubernetes/client-node';
import { z } from 'zod';

import type { ObjectRef, Plan } from '../domain/types.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { objectDiff } from './object-diff.ts';
import type { Remediator } from './remediator.ts';

/** The pod-template annotation `kubectl rollout restart` sets; changing it rolls every pod. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** The Deployment controller's record of the current rollout revision. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
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

/** Pure planning: a rollout restart of `deployment`, or a reason why not. */
export function planRolloutRestart(deployment: V1Deployment, reason: string, now: Date): Plan {
  const target: ObjectRef = {
    kind: 'Deployment',
    namespace: deployment.metadata?.namespace,
    name: deployment.metadata?.name ?? '',
    uid: deployment.metadata?.uid,
  };
  const params: RolloutRestartParams = {
    restartedAt: now.toISOString(),
    resourceVersion: deployment.metadata?.resourceVersion,
    revision: deployment.metadata?.annotations?.[REVISION_ANNOTATION],
  };
  return { action: rolloutRestart.action, target, params, reason };
}

/** Why a Deployment cannot be restarted as it is, or undefined. */
export function restartBlocker(deployment: V1Deployment): string | undefined {
  if (deployment.spec?.paused === true)
    return 'the Deployment is paused; a restart would not roll out until it is resumed';
  if (deployment.metadata?.deletionTimestamp !== undefined) return 'the Deployment is being deleted';
  return undefined;
}

export const rolloutRestart: Remediator<RolloutRestartParams> = {
  action: 'rollout-restart',
  description:
    'Restarts every pod of a Deployment the way `kubectl rollout restart` does (a new pod-template annotation), honouring the rollout strategy.',
  paramsSchema: RolloutRestartParamsSchema,
  permissions: [{ apiGroup: 'apps', resource: 'deployments', verbs: ['get', 'patch'] }],
  supportsDryRun: true,
  verify: 'the new ReplicaSet becomes available and the alerting pod is replaced',
  undo: 'none needed: a restart changes no configuration; roll back the Deployment if the new pods are worse',
  inspect: async (plan, kube) => {
    const deployment = await kube.getDeployment(requireNamespace(plan), plan.target.name);
    return {
      annotations: { ...(deployment.metadata?.annotations ?? {}) },
      blocker: restartBlocker(deployment),
    };
  },
  apply: async (plan, params, kube, { dryRun }) => {
    const namespace = requireNamespace(plan);
    const what = `${RESTARTED_AT_ANNOTATION}=${params.restartedAt} on deployment ${namespace}/${plan.target.name}`;
    let resourceVersion = params.resourceVersion;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const before = await kube.getDeployment(namespace, plan.target.name);
        const after = await kube.patchDeploymentTemplateAnnotations(
          namespace,
          plan.target.name,
          { [RESTARTED_AT_ANNOTATION]: params.restartedAt },
          { dryRun, resourceVersion },
        );
        return { change: `${dryRun ? 'would set' : 'set'} ${what}`, diff: objectDiff(before, after) };
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= MAX_WRITES) throw error;
        // The Deployment changed since it was read. A scale or a status update does not change
        // the diagnosis; a new rollout, a pause or an earlier run of this same plan does.
        const current = await kube.getDeployment(namespace, plan.target.name);
        if (current.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === params.restartedAt) {
          return { change: `${what} was already set`, diff: [] };
        }
        const revision = current.metadata?.annotations?.[REVISION_ANNOTATION];
        if (params.revision !== undefined && revision !== params.revision) {
          throw new ConflictError(
            `deployment ${namespace}/${plan.target.name} moved to revision ${revision ?? '?'} since the diagnosis (revision ${params.revision}); not restarting`,
            { cause: error },
          );
        }
        const blocker = restartBlocker(current);
        if (blocker !== undefined) throw new ConflictError(`${blocker}; not restarting`, { cause: error });
        resourceVersion = current.metadata?.resourceVersion;
      }
    }
  },
};

export function requireNamespace(plan: Plan): string {
  if (plan.target.namespace === undefined) {
    throw new ValidationError(
      `plan ${plan.action} targets ${plan.target.kind} ${plan.target.name} without a namespace`,
    );
  }
  return plan.target.namespace;
}
