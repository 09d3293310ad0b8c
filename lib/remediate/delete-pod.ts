import type { V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';

import type { Plan } from '../domain/types.ts';
import { NotFoundError, ConflictError } from '../errors.ts';
import type { Remediator } from './remediator.ts';
import { requireNamespace } from './rollout-restart.ts';

export const DeletePodParamsSchema = z.object({
  /** The pod diagnosed; a pod recreated under the same name (StatefulSets) is left alone. */
  uid: z.string().min(1),
});
export type DeletePodParams = z.infer<typeof DeletePodParamsSchema>;

/** Pure planning: delete this pod so its controller creates a fresh one. */
export function planDeletePod(pod: V1Pod, reason: string): Plan {
  const uid = pod.metadata?.uid ?? '';
  return {
    action: deletePod.action,
    target: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name ?? '', uid },
    params: { uid } satisfies DeletePodParams,
    reason,
  };
}

export const deletePod: Remediator<DeletePodParams> = {
  action: 'delete-pod',
  description:
    'Deletes one pod that a controller (ReplicaSet, StatefulSet, DaemonSet, Job) will recreate; only the exact pod diagnosed (by UID).',
  paramsSchema: DeletePodParamsSchema,
  permissions: [{ apiGroup: '', resource: 'pods', verbs: ['get', 'delete'] }],
  supportsDryRun: true,
  verify: 'the controller creates a replacement pod that becomes ready',
  undo: 'none possible or needed: the controller recreates the pod from its template',
  inspect: async (plan, kube) => {
    const pod = await kube.getPod(requireNamespace(plan), plan.target.name);
    const controlled = pod.metadata?.ownerReferences?.some((owner) => owner.controller === true) ?? false;
    let blocker: string | undefined;
    if (pod.metadata?.uid !== plan.target.uid) blocker = 'the pod was replaced since it was diagnosed';
    else if (!controlled) blocker = 'the pod has no controller: deleting it would not bring it back';
    return { annotations: { ...(pod.metadata?.annotations ?? {}) }, blocker };
  },
  apply: async (plan, params, kube, { dryRun }) => {
    const namespace = requireNamespace(plan);
    const what = `pod ${namespace}/${plan.target.name} (uid ${params.uid})`;
    try {
      await kube.deletePod(namespace, plan.target.name, { dryRun, uid: params.uid });
    } catch (error) {
      // A second run after a crash finds the pod gone or replaced: the first delete landed.
      if (!dryRun && (error instanceof NotFoundError || error instanceof ConflictError)) {
        return { change: `${what} was already deleted` };
      }
      throw error;
    }
    return {
      change: `${dryRun ? 'would delete' : 'deleted'} ${what}`,
      diff: [`pod ${namespace}/${plan.target.name}: removed (its controller creates a replacement)`],
    };
  },
};
