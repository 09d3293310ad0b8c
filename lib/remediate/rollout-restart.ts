import type { V1Deployment } from '@kubernetes/client-node';
import { z } from 'zod';

import type { ObjectRef, Plan } from '../domain/types.ts';
import { ValidationError } from '../errors.ts';
import type { Remediator } from './remediator.ts';

/** The pod-template annotation `kubectl rollout restart` sets; changing it rolls every pod. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export const RolloutRestartParamsSchema = z.object({
  /** Decided when planning, so running the plan twice writes the same value and rolls once. */
  restartedAt: z.iso.datetime({ offset: true }),
  /** The Deployment's resourceVersion when it was diagnosed: a write after it changed fails. */
  resourceVersion: z.string().min(1).optional(),
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
    await kube.patchDeploymentTemplateAnnotations(
      namespace,
      plan.target.name,
      { [RESTARTED_AT_ANNOTATION]: params.restartedAt },
      { dryRun, resourceVersion: params.resourceVersion },
    );
    return `${dryRun ? 'would set' : 'set'} ${RESTARTED_AT_ANNOTATION}=${params.restartedAt} on deployment ${namespace}/${plan.target.name}`;
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
