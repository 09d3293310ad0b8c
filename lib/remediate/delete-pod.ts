import type { V1Pod } from '@kubernetes/client-node';

import type { Plan } from '../domain/types.ts';
import { podRemoval, type PodRemovalParams } from './pod-removal.ts';

/** Pure planning: delete this pod so its controller creates a fresh one. */
export function planDeletePod(pod: V1Pod, reason: string): Plan {
  const uid = pod.metadata?.uid ?? '';
  return {
    action: deletePod.action,
    target: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name ?? '', uid },
    params: { uid } satisfies PodRemovalParams,
    reason,
  };
}

export const deletePod = podRemoval({
  action: 'delete-pod',
  description:
    'Deletes one pod that a controller (ReplicaSet, StatefulSet, DaemonSet, Job) will recreate; only the exact pod diagnosed (by UID).',
  permissions: [{ apiGroup: '', resource: 'pods', verbs: ['get', 'list', 'delete'] }],
  words: { verb: 'delete', past: 'deleted', gerund: 'deleting', diff: 'removed' },
  remove: (kube, namespace, name, write) => kube.deletePod(namespace, name, write),
});
