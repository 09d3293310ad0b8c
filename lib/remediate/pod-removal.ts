import type { V1Pod } from '@kubernetes/client-node';
import * as z from 'zod';

import type { Permission } from '../domain/permission.ts';
import type { Diagnosis, Plan } from '../domain/types.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { metadataFacts, requireNamespace, type Health, type Refusal, type Remediator } from './remediator.ts';
import { stuckNewPod } from './rollout-status.ts';

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
    needs: ['pod'],
    paramsSchema: PodRemovalParamsSchema,
    fromLive: (live) => (live.metadata?.uid === undefined ? {} : { uid: live.metadata.uid }),
    permissions: options.permissions,
    plan: (diagnosis) => planRemoval(options.action, words, diagnosis),
    supportsDryRun: true,
    verify: 'the controller creates a replacement pod that becomes ready',
    undo: 'none possible or needed: the controller recreates the pod from its template',
    inspect: async (plan, kube) => {
      const namespace = requireNamespace(plan);
      const pod = await kube.getPod(namespace, plan.target.name);
      const owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller === true);
      let blocker: string | undefined;
      if (pod.metadata?.uid !== plan.target.uid) blocker = 'the pod was replaced since it was diagnosed';
      else if (owner === undefined) blocker = `the pod has no controller: ${words.gerund} it would not bring it back`;
      // Its siblings (same controller): how many are unavailable already, for the share cap.
      const siblings =
        owner === undefined
          ? [pod]
          : (await kube.list('Pod', { namespace, max: 1000 })).filter((p) =>
              p.metadata?.ownerReferences?.some((ref) => ref.controller === true && ref.uid === owner.uid),
            );
      return {
        ...metadataFacts(pod),
        blocker,
        disruption: {
          replicas: Math.max(siblings.length, 1),
          unavailable: siblings.filter((p) => !podAvailable(p)).length,
          adds: podAvailable(pod) ? 1 : 0,
        },
      };
    },
    apply: async (plan, params, kube, { dryRun }) => {
      const namespace = requireNamespace(plan);
      const what = `pod ${namespace}/${plan.target.name} (uid ${params.uid})`;
      let owner: string | undefined;
      try {
        const pod = await kube.getPod(namespace, plan.target.name);
        owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller === true)?.uid;
        await options.remove(kube, namespace, plan.target.name, { dryRun, uid: params.uid });
      } catch (error) {
        // A second run after a crash finds the pod gone or replaced: the first removal landed.
        if (!dryRun && (error instanceof NotFoundError || error instanceof ConflictError)) {
          return { change: `${what} was already ${words.past}`, undo: { owner } };
        }
        throw error;
      }
      return {
        change: `${dryRun ? `would ${words.verb}` : words.past} ${what}`,
        diff: [`pod ${namespace}/${plan.target.name}: ${words.diff} (its controller creates a replacement)`],
        undo: { owner },
      };
    },
    check: async (plan, _params, kube, applied, appliedAt) => {
      const owner = applied.undo?.owner;
      if (typeof owner !== 'string') return { state: 'healthy', detail: 'nothing to wait for (owner unknown)' };
      const pods = await kube.list('Pod', { namespace: requireNamespace(plan), max: 1000 });
      return replacementHealth(pods, owner, appliedAt);
    },
  };
}

/** Removing the diagnosis's pod, so that its controller creates a fresh one. Pure. */
function planRemoval(action: string, words: { gerund: string }, diagnosis: Diagnosis): Plan | Refusal {
  const pod = diagnosis.facts.pod;
  if (pod === undefined) return { refused: 'the diagnosis names no pod', fits: false };
  if (pod.controller === undefined) {
    return { refused: `the pod has no controller: ${words.gerund} it would lose it for good`, fits: true };
  }
  const restarts = diagnosis.facts.container?.restarts;
  return {
    action,
    target: { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
    params: { uid: pod.uid } satisfies PodRemovalParams,
    reason: `${diagnosis.summary}${restarts === undefined ? '' : ` (${restarts} restarts)`}; its ${pod.controller.kind} recreates the pod`,
  };
}

/**
 * After a pod was removed: healthy once a replacement from the same controller (created since
 * the write) is ready, failed as soon as one is stuck (crash loop, image pull). Pure.
 */
export function replacementHealth(pods: readonly V1Pod[], owner: string, since: Date): Health {
  const replacements = pods.filter(
    (p) =>
      p.metadata?.ownerReferences?.some((ref) => ref.controller === true && ref.uid === owner) === true &&
      Date.parse(String(p.metadata.creationTimestamp ?? '')) >= since.getTime() - 1000,
  );
  const stuck = stuckNewPod(replacements, since);
  if (stuck !== undefined) return { state: 'failed', detail: stuck };
  const ready = replacements.find(podAvailable);
  if (ready !== undefined)
    return { state: 'healthy', detail: `replacement pod ${ready.metadata?.name ?? ''} is ready` };
  return { state: 'progressing', detail: `${replacements.length} replacement pods, none ready yet` };
}

/** Ready and not being deleted: a pod that serves. */
export function podAvailable(pod: V1Pod): boolean {
  return (
    pod.metadata?.deletionTimestamp === undefined &&
    pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
  );
}
