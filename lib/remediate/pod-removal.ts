import { z } from 'zod';

import { ConflictError, NotFoundError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import type { Permission, Remediator } from './remediator.ts';
import { requireNamespace } from './rollout-restart.ts';

export const PodRemovalParamsSchema = z.object({
  /** The pod diagnosed; a pod recreated under the same name (StatefulSets) is left alone. */
  uid: z.string().min(1),
});
export type PodRemovalParams = z.infer<typeof PodRemovalParamsSchema>;

/**
 * A remediator that removes one controller-owned pod, exactly the one diagnosed (by UID), so its
 * controller recreates it: delete-pod and evict-pod differ only in the API call and their words.
 */
export function podRemoval(options: {
  action: string;
  description: string;
  permissions: readonly Permission[];
  words: { verb: string; past: string; gerund: string; diff: string };
  remove: (kube: KubeApi, namespace: string, name: string, write: { dryRun: boolean; uid: string }) => Promise<void>;
}): Remediator<PodRemovalParams> {
  const { words } = options;
  return {
    action: options.action,
    description: options.description,
    paramsSchema: PodRemovalParamsSchema,
    permissions: options.permissions,
    supportsDryRun: true,
    verify: 'the controller creates a replacement pod that becomes ready',
    undo: 'none possible or needed: the controller recreates the pod from its template',
    inspect: async (plan, kube) => {
      const pod = await kube.getPod(requireNamespace(plan), plan.target.name);
      const controlled = pod.metadata?.ownerReferences?.some((owner) => owner.controller === true) ?? false;
      let blocker: string | undefined;
      if (pod.metadata?.uid !== plan.target.uid) blocker = 'the pod was replaced since it was diagnosed';
      else if (!controlled) blocker = `the pod has no controller: ${words.gerund} it would not bring it back`;
      return { annotations: { ...(pod.metadata?.annotations ?? {}) }, blocker };
    },
    apply: async (plan, params, kube, { dryRun }) => {
      const namespace = requireNamespace(plan);
      const what = `pod ${namespace}/${plan.target.name} (uid ${params.uid})`;
      try {
        await options.remove(kube, namespace, plan.target.name, { dryRun, uid: params.uid });
      } catch (error) {
        // A second run after a crash finds the pod gone or replaced: the first removal landed.
        if (!dryRun && (error instanceof NotFoundError || error instanceof ConflictError)) {
          return { change: `${what} was already ${words.past}` };
        }
        throw error;
      }
      return {
        change: `${dryRun ? `would ${words.verb}` : words.past} ${what}`,
        diff: [`pod ${namespace}/${plan.target.name}: ${words.diff} (its controller creates a replacement)`],
      };
    },
  };
}
