import type { CoreV1Event, V1LabelSelector, V1Node, V1Pod } from '@kubernetes/client-node';

import type { Permission } from '../domain/permission.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import type { Kind, KindObjects } from '../kube/kinds.ts';
import { podSelectors, type Keeps, type Listing } from '../kube/listing.ts';
import { selectorString } from '../kube/objects.ts';
import { podCauses, type PodCause } from './pod-causes.ts';
import { orNull } from './pod-snapshot.ts';

export interface PodWithEvents {
  pod: V1Pod;
  events: CoreV1Event[];
  /** The node it is bound to: null when it no longer exists, undefined when not read. */
  node?: V1Node | null;
}

/** What podsWithEvents reads, for the detectors' declared RBAC. */
export const WORKLOAD_PODS_READS: readonly Permission[] = [
  { apiGroup: '', resource: 'pods', verbs: ['list'] },
  { apiGroup: '', resource: 'events', verbs: ['list'] },
  { apiGroup: '', resource: 'nodes', verbs: ['get'] },
];

const EVENTS_FOR = 3;
const MAX_NODES = 10;

/**
 * The pods a selector picks (bounded), with the nodes of the unhealthy ones (a lost node makes
 * its pods unready whatever their containers last reported) and the Warning events of the first
 * few: enough to say why a workload is short of ready pods without reading every event.
 */
export async function podsWithEvents(
  kube: KubeApi,
  namespace: string,
  selector: V1LabelSelector | string | undefined,
  max = 50,
): Promise<PodWithEvents[]> {
  const labelSelector = typeof selector === 'string' ? selector : selectorString(selector);
  if (labelSelector === '') return [];
  const pods = await kube.list('Pod', { namespace, labelSelector, max });
  const unhealthy = pods.filter((pod) => podCauses(pod, []).length > 0);
  const nodeNames = [...new Set(unhealthy.map((pod) => pod.spec?.nodeName ?? ''))]
    .filter((name) => name !== '')
    .slice(0, MAX_NODES);
  const [events, nodes] = await Promise.all([
    Promise.all(
      unhealthy
        .slice(0, EVENTS_FOR)
        .map((pod) =>
          kube.listWarningEvents(namespace, { kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid }),
        ),
    ),
    Promise.all(nodeNames.map((name) => orNull(kube.read('Node', name)))),
  ]);
  const byName = new Map(nodeNames.map((name, index) => [name, nodes[index] ?? null]));
  return pods.map((pod) => {
    const node = byName.get(pod.spec?.nodeName ?? '');
    return { pod, events: events[unhealthy.indexOf(pod)] ?? [], ...(node === undefined ? {} : { node }) };
  });
}

const listedNodes = new WeakMap<Listing, Map<string, V1Node>>();

/**
 * What an audit keeps for a detector that judges objects of `kind` by their pods: the objects
 * `judged` picks, and the pods their selectors (`selectorOf`) pick, as the objects stream first.
 */
export function keepsWithPods<K extends Kind>(
  kind: K,
  judged: (object: KindObjects[K]) => boolean,
  selectorOf: (object: KindObjects[K]) => string,
): Keeps {
  const selectors = podSelectors();
  return {
    [kind]: (object: KindObjects[K]) => {
      if (!judged(object)) return false;
      selectors.add(object.metadata?.namespace, selectorOf(object));
      return true;
    },
    Pod: (pod: V1Pod) => selectors.selects(pod),
  };
}

/**
 * The pods a selector picks in an audit's listing, each with its node when the listing has it (a
 * node missing from a listing may only be past its bound, so it is not taken as gone).
 */
export function listedPods(listing: Listing, namespace: string, selector: string): PodWithEvents[] {
  let nodes = listedNodes.get(listing);
  if (nodes === undefined) {
    nodes = new Map(listing.of('Node').map((node) => [node.metadata?.name ?? '', node]));
    listedNodes.set(listing, nodes);
  }
  const byName = nodes;
  return listing.podsMatching(namespace, selector).map((pod) => {
    const node = byName.get(pod.spec?.nodeName ?? '');
    return { pod, events: [], ...(node === undefined ? {} : { node }) };
  });
}

/** The causes of one pod, judged as every record about it judges them (its node first). */
export function causesOf({ pod, events, node }: PodWithEvents): PodCause[] {
  return podCauses(pod, events, node);
}

/** Causes across pods: how many pods are unhealthy, and the most frequent cause with an example (and its pod). */
export function summarizeCauses(pods: readonly PodWithEvents[]): {
  unhealthy: number;
  primary: { cause: PodCause; count: number; pod: V1Pod } | undefined;
} {
  const perPod = pods.map((entry) => ({ pod: entry.pod, causes: causesOf(entry) }));
  const counts = new Map<string, { cause: PodCause; count: number; pod: V1Pod }>();
  for (const { pod, causes } of perPod) {
    for (const cause of causes) {
      const entry = counts.get(cause.kind) ?? { cause, count: 0, pod };
      entry.count += 1;
      counts.set(cause.kind, entry);
    }
  }
  return {
    unhealthy: perPod.filter(({ causes }) => causes.length > 0).length,
    primary: [...counts.values()].sort((a, b) => b.count - a.count)[0],
  };
}
