import { podRemoval } from './pod-removal.ts';

export const evictPod = podRemoval({
  action: 'evict-pod',
  description:
    'Evicts one controller-owned pod through the Eviction API, so its PodDisruptionBudget decides: when the budget does not allow it now, the fix is refused with the budget’s reason, not retried.',
  permissions: [
    { apiGroup: '', resource: 'pods', verbs: ['get', 'list'] },
    { apiGroup: '', resource: 'pods/eviction', verbs: ['create'] },
  ],
  words: { verb: 'evict', past: 'evicted', gerund: 'evicting', diff: 'evicted' },
  remove: (kube, namespace, name, write) => kube.evictPod(namespace, name, write),
});
