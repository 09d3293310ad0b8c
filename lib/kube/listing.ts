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

/**
 * What an audit unit needs kept of each kind it lists, asked of each object as its page arrives:
 * an audit holds what some unit keeps, not the cluster. Built once per audit from what earlier
 * kinds kept (the audit streams kinds in an order where what a kind's choice depends on comes
 * first: lib/audit/scan.ts STREAM_ORDER). A kind the unit lists without a predicate is kept whole.
 */
export type Keeps = { readonly [K in Kind]?: (object: KindObjects[K]) => boolean };

/** Keeps every object of `kinds`: for kinds that stay small (nodes, storage classes). */
export function keepAll(...kinds: Kind[]): Keeps {
  return Object.fromEntries(kinds.map((kind) => [kind, () => true]));
}

/** `a=b,c=d` as pairs; an empty selector has none (and selects nothing here). */
function pairsOf(selector: string): [string, string][] {
  return selector
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      return at === -1 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    });
}

function selects(pairs: readonly [string, string][], pod: V1Pod): boolean {
  const labels = pod.metadata?.labels;
  return pairs.length > 0 && pairs.every(([key, value]) => labels?.[key] === value);
}

export function createListing(objects: Partial<{ [K in Kind]: readonly KindObjects[K][] }>): Listing {
  /** The pods by namespace, and the pod array and length it was built from. */
  let index: { pods: readonly V1Pod[]; count: number; byNamespace: Map<string, V1Pod[]> } | undefined;
  const podsIn = (namespace: string): V1Pod[] => {
    const pods = objects.Pod ?? [];
    // Indexed on first use, again if pods were kept since (a listing read while an audit streams).
    if (index?.pods !== pods || index.count !== pods.length) {
      const byNamespace = new Map<string, V1Pod[]>();
      for (const pod of pods) {
        const key = pod.metadata?.namespace ?? '';
        const list = byNamespace.get(key) ?? [];
        list.push(pod);
        byNamespace.set(key, list);
      }
      index = { pods, count: pods.length, byNamespace };
    }
    return index.byNamespace.get(namespace) ?? [];
  };
  return {
    of: <K extends Kind>(kind: K) => objects[kind] ?? [],
    podsMatching: (namespace, selector) => {
      const wanted = pairsOf(selector);
      if (wanted.length === 0) return [];
      return podsIn(namespace ?? '').filter((pod) => selects(wanted, pod));
    },
  };
}

/**
 * Label selectors by namespace, asked whether any selects a pod, in time linear in the pod's
 * labels however many selectors there are: how an audit streaming pods keeps the pods of the few
 * workloads it will judge. Selectors as `Listing.podsMatching` reads them.
 */
export interface PodSelectors {
  add(namespace: string | undefined, selector: string): void;
  selects(pod: V1Pod): boolean;
}

export function podSelectors(): PodSelectors {
  /** By `namespace \0 key=value` of each selector's first pair. */
  const buckets = new Map<string, [string, string][][]>();
  const bucket = (namespace: string, key: string, value: string) => `${namespace}\0${key}=${value}`;
  return {
    add: (namespace, selector) => {
      const pairs = pairsOf(selector);
      const [first] = pairs;
      if (first === undefined) return;
      const at = bucket(namespace ?? '', ...first);
      const list = buckets.get(at);
      if (list === undefined) buckets.set(at, [pairs]);
      else list.push(pairs);
    },
    selects: (pod) => {
      const namespace = pod.metadata?.namespace ?? '';
      for (const [key, value] of Object.entries(pod.metadata?.labels ?? {})) {
        const candidates = buckets.get(bucket(namespace, key, value));
        if (candidates?.some((pairs) => selects(pairs, pod)) === true) return true;
      }
      return false;
    },
  };
}
