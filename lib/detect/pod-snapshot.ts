import type { CoreV1Event, V1Deployment, V1Node, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

import type { Alert } from '../alert/schema.ts';
import type { Permission } from '../domain/permission.ts';
import { AlertLabelError, NotFoundError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { controllerOf, selectorString } from '../kube/objects.ts';

/** Everything a pod-level detector reads: the pod, its events and its owning workload's revisions. */
export interface PodSnapshot {
  namespace: string;
  podName: string;
  /** The container the alert names, if it names one. */
  container?: string;
  /** When the problem began (the alert's startsAt; the audit's time for an audit). */
  since: string;
  pod: V1Pod | null;
  /** The node the pod is bound to: null when it no longer exists, undefined when not read (unbound, or an audit without it). */
  node?: V1Node | null;
  events: CoreV1Event[];
  replicaSet: V1ReplicaSet | null;
  deployment: V1Deployment | null;
  /** The Deployment's ReplicaSets (its revisions), for rollout correlation. */
  replicaSets: V1ReplicaSet[];
}

/** What observePod reads, for the detectors' declared RBAC. */
export const POD_SNAPSHOT_READS: readonly Permission[] = [
  { apiGroup: '', resource: 'pods', verbs: ['get'] },
  { apiGroup: '', resource: 'nodes', verbs: ['get'] },
  { apiGroup: '', resource: 'events', verbs: ['list'] },
  { apiGroup: 'apps', resource: 'replicasets', verbs: ['get', 'list'] },
  { apiGroup: 'apps', resource: 'deployments', verbs: ['get'] },
];

/** Reads the pod an alert names (labels `namespace`, `pod`), its node, its events and its owner chain. */
export async function observePod(alert: Alert, kube: KubeApi): Promise<PodSnapshot> {
  const namespace = requireLabel(alert, 'namespace');
  const podName = requireLabel(alert, 'pod');
  const pod = await orNull(kube.getPod(namespace, podName));
  const snapshot: PodSnapshot = {
    namespace,
    podName,
    ...containerLabel(alert),
    since: alert.startsAt,
    pod,
    events: [],
    replicaSet: null,
    deployment: null,
    replicaSets: [],
  };
  if (pod === null) return snapshot;
  const owner = controllerOf(pod.metadata?.ownerReferences);
  const nodeName = pod.spec?.nodeName;
  const [events, replicaSet, node] = await Promise.all([
    kube.listWarningEvents(namespace, { kind: 'Pod', name: podName, uid: pod.metadata?.uid }),
    owner?.kind === 'ReplicaSet' ? orNull(kube.getReplicaSet(namespace, owner.name)) : Promise.resolve(null),
    nodeName === undefined || nodeName === '' ? Promise.resolve(undefined) : orNull(kube.read('Node', nodeName)),
  ]);
  snapshot.events = events;
  snapshot.replicaSet = replicaSet;
  if (node !== undefined) snapshot.node = node;
  const rsOwner = controllerOf(replicaSet?.metadata?.ownerReferences);
  if (rsOwner?.kind !== 'Deployment') return snapshot;
  snapshot.deployment = await orNull(kube.getDeployment(namespace, rsOwner.name));
  const selector = selectorString(snapshot.deployment?.spec?.selector);
  if (selector !== '') snapshot.replicaSets = await kube.listReplicaSets(namespace, selector);
  return snapshot;
}

/** `{ container }` when the alert names one. */
export function containerLabel(alert: Alert): { container?: string } {
  const container = alert.labels.container;
  return container === undefined || container === '' ? {} : { container };
}

export function requireLabel(alert: Alert, label: string): string {
  const value = alert.labels[label];
  if (value === undefined || value === '') {
    throw new AlertLabelError(`alert ${alert.labels.alertname ?? ''} has no "${label}" label`);
  }
  return value;
}

/** The object, or null when the API server says it does not exist. */
export async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}
