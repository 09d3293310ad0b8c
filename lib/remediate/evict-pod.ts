import { z } from 'zod';

import { ConflictError, NotFoundError } from '../errors.ts';
import type { Remediator } from './remediator.ts';
import { requireNamespace } from './rollout-restart.ts';

export const EvictPodParamsSchema = z.object({
  /** The pod diagnosed; a pod recreated under the same name is left alone. */
  uid: z.string().min(1),
});
export type EvictPodParams = z.infer<typeof EvictPodParamsSchema>;

export const evictPod: Remediator<EvictPodParams> = {
  action: 'evict-pod',
  description:
    'Evicts one controller-owned pod through the Eviction API, so its PodDisruptionBudget decides: when the budget does not allow it now, the fix is refused with the budget’s reason, not retried.',
  paramsSchema: EvictPodParamsSchema,
  permissions: [
    { apiGroup: '', resource: 'pods', verbs: ['get'] },
    { apiGroup: '', resource: 'pods/eviction', verbs: ['create'] },
  ],
  supportsDryRun: true,
  verify: 'the controller creates a replacement pod that becomes ready',
  undo: 'none possible or needed: the controller recreates the pod from its template',
  inspect: async (plan, kube) => {
    const pod = await kube.getPod(requireNamespace(plan), plan.target.name);
    const controlled = pod.metadata?.ownerReferences?.some((owner) => owner.controller === true) ?? false;
    let blocker: string | undefined;
    if (pod.metadata?.uid !== plan.target.uid) blocker = 'the pod was replaced since it was diagnosed';
    else if (!controlled) blocker = 'the pod has no controller: evicting it would not bring it back';
    return { annotations: { ...(pod.metadata?.annotations ?? {}) }, blocker };
  },
  apply: async (plan, params, kube, { dryRun }) => {
    const namespace = requireNamespace(plan);
    const what = `pod ${namespace}/${plan.target.name} (uid ${params.uid})`;
    try {
      await kube.evictPod(namespace, plan.target.name, { dryRun, uid: params.uid });
    } catch (error) {
      // A second run after a crash finds the pod gone or replaced: the first eviction landed.
      if (!dryRun && (error instanceof NotFoundError || error instanceof ConflictError))
        return { change: `${what} was already evicted` };
      throw error;
    }
    return {
      change: `${dryRun ? 'would evict' : 'evicted'} ${what}`,
      diff: [`pod ${namespace}/${plan.target.name}: evicted (its controller creates a replacement)`],
    };
  },
};
