import { podRemoval } from './pod-removal.ts';

export const deletePod = podRemoval({
  action: 'delete-pod',
  description:
    'Deletes one pod that a controller (ReplicaSet, StatefulSet, DaemonSet, Job) will recreate; only the exact pod diagnosed (by UID).',
  permissions: [{ apiGroup: '', resource: 'pods', verbs: ['get', 'list', 'delete'] }],
  words: { verb: 'delete', past: 'deleted', gerund: 'deleting', diff: 'removed' },
  remove: (kube, namespace, name, write) => kube.deletePod(namespace, name, write),
});
