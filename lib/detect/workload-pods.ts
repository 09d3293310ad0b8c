import type { CoreV1Event, V1LabelSelector, V1Pod } from '@kubernetes/client-node';

import type { KubeApi } from '../kube/kube-api.ts';
import { selectorString } from '../kube/objects.ts';
import { podCauses, type PodCause } from './pod-causes.ts';

export interface PodWithEvents {
  pod: V1Pod;
  events: CoreV1Event[];
}

const EVENTS_FOR = 3;

/**
 * The pods a selector picks (bounded), with the Warning events of the first few unhealthy ones:
 * enough to say why a workload is short of ready pods without reading every event.
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
  const unhealthy = pods.filter((pod) => podCauses(pod, []).length > 0).slice(0, EVENTS_FOR);
  const events = await Promise.all(
    unhealthy.map((pod) =>
      kube.listWarningEvents(namespace, { kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid }),
    ),
  );
  return pods.map((pod) => ({ pod, events: events[unhealthy.indexOf(pod)] ?? [] }));
}

/** Causes across pods: how many pods are unhealthy, and the most frequent cause with an example (and its pod). */
export function summarizeCauses(pods: readonly PodWithEvents[]): {
  unhealthy: number;
  primary: { cause: PodCause; count: number; pod: V1Pod } | undefined;
} {
  const perPod = pods.map(({ pod, events }) => ({ pod, causes: podCauses(pod, events) }));
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
