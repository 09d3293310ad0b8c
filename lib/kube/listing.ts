import type { V1Pod } from '@kubernetes/client-node';

import type { Kind, KindObjects } from './kinds.ts';

/**
 * Objects listed from one cluster, by kind, as an audit reads them: what detectors judge without
 * an alert. Read-only; a kind nobody listed is empty.
 */
export interface Listing {
  of<K extends Kind>(kind: K): readonly KindObjects[K][];
  /** Pods in `namespace` whose labels include every `key=value` of `selector` (`a=b,c=d`). */
  podsMatching(namespace: string | undefined, selector: string): V1Pod[];
}

export function createListing(objects: Partial<{ [K in Kind]: readonly KindObjects[K][] }>): Listing {
  const byNamespace = new Map<string, V1Pod[]>();
  for (const pod of objects.Pod ?? []) {
    const namespace = pod.metadata?.namespace ?? '';
    const pods = byNamespace.get(namespace) ?? [];
    pods.push(pod);
    byNamespace.set(namespace, pods);
  }
  return {
    of: <K extends Kind>(kind: K) => objects[kind] ?? [],
    podsMatching: (namespace, selector) => {
      const wanted = selector
        .split(',')
        .filter(Boolean)
        .map((pair) => pair.split('='));
      if (wanted.length === 0) return [];
      return (byNamespace.get(namespace ?? '') ?? []).filter((pod) =>
        wanted.every(([key, value]) => key !== undefined && pod.metadata?.labels?.[key] === value),
      );
    },
  };
}
