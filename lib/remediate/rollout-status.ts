import type { V1DaemonSet, V1Deployment, V1Pod, V1StatefulSet } from '@kubernetes/client-node';

import type { Permission } from '../domain/permission.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { byRevision, condition, ownedBy, POD_TEMPLATE_HASH_LABEL, selectorString } from '../kube/objects.ts';
import type { Health } from './remediator.ts';

export type Workload = V1Deployment | V1StatefulSet | V1DaemonSet;
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** get and patch on each of these workload kinds (apps group). */
export function workloadWrites(kinds: readonly WorkloadKind[]): Permission[] {
  return kinds.map((kind) => ({ apiGroup: 'apps', resource: `${kind.toLowerCase()}s`, verbs: ['get', 'patch'] }));
}

/** What verifying a rollout reads: the workload (the fix's own get) and its pods. */
export const ROLLOUT_CHECK_READS: readonly Permission[] = [
  { apiGroup: '', resource: 'pods', verbs: ['list'] },
  { apiGroup: 'apps', resource: 'replicasets', verbs: ['list'] },
];

/** Waiting reasons that mean a new pod will not come up by itself. */
const STUCK = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

/**
 * Whether a workload's rollout finished (every replica updated and available), is still going,
 * or failed (its progress deadline passed), from its status alone. Pure.
 */
export function rolloutHealth(kind: WorkloadKind, workload: Workload): Health {
  const generation = workload.metadata?.generation ?? 0;
  if ((workload.status?.observedGeneration ?? 0) < generation) {
    return { state: 'progressing', detail: `the ${kind} controller has not yet seen generation ${generation}` };
  }
  if (isKind<V1Deployment>(kind, workload, 'Deployment')) {
    const d = workload;
    const progressing = condition(d.status?.conditions, 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      return { state: 'failed', detail: `the rollout exceeded its progress deadline: ${progressing.message ?? ''}` };
    }
    const want = d.spec?.replicas ?? 1;
    const updated = d.status?.updatedReplicas ?? 0;
    const available = d.status?.availableReplicas ?? 0;
    const total = d.status?.replicas ?? 0;
    if (updated < want) return { state: 'progressing', detail: `${updated} of ${want} replicas updated` };
    if (total > updated) return { state: 'progressing', detail: `${total - updated} old replicas still running` };
    if (available < want) return { state: 'progressing', detail: `${available} of ${want} updated replicas available` };
    return { state: 'healthy', detail: `all ${want} replicas updated and available` };
  }
  if (isKind<V1StatefulSet>(kind, workload, 'StatefulSet')) {
    const s = workload;
    const want = s.spec?.replicas ?? 1;
    const updated = s.status?.updatedReplicas ?? 0;
    const ready = s.status?.readyReplicas ?? 0;
    if (s.status?.updateRevision !== s.status?.currentRevision || updated < want) {
      return { state: 'progressing', detail: `${updated} of ${want} replicas on the update revision` };
    }
    if (ready < want) return { state: 'progressing', detail: `${ready} of ${want} replicas ready` };
    return { state: 'healthy', detail: `all ${want} replicas updated and ready` };
  }
  const ds: V1DaemonSet = workload;
  const want = ds.status?.desiredNumberScheduled ?? 0;
  const updated = ds.status?.updatedNumberScheduled ?? 0;
  const available = ds.status?.numberAvailable ?? 0;
  if (updated < want) return { state: 'progressing', detail: `${updated} of ${want} nodes run the update` };
  if (available < want) return { state: 'progressing', detail: `${available} of ${want} pods available` };
  return { state: 'healthy', detail: `all ${want} pods updated and available` };
}

function isKind<T extends Workload>(kind: WorkloadKind, _workload: Workload, wanted: WorkloadKind): _workload is T {
  return kind === wanted;
}

/** A new pod (created at or after `since`) that is stuck: its rollout will not recover by itself. */
export function stuckNewPod(pods: readonly V1Pod[], since: Date): string | undefined {
  for (const pod of pods) {
    const created = Date.parse(String(pod.metadata?.creationTimestamp ?? ''));
    if (!(created >= since.getTime() - 1000)) continue;
    for (const status of pod.status?.containerStatuses ?? []) {
      const reason = status.state?.waiting?.reason;
      if (reason !== undefined && STUCK.has(reason)) {
        return `new pod ${pod.metadata?.name ?? ''}: container ${status.name} ${reason}${status.state?.waiting?.message ? ` (${status.state.waiting.message})` : ''}`;
      }
    }
  }
  return undefined;
}

/**
 * A workload's health after a write that rolls its pods: failed as soon as a pod of its newest
 * revision (created since the write) is stuck, else what its rollout status says.
 */
export async function workloadRolloutHealth(
  kube: KubeApi,
  kind: WorkloadKind,
  namespace: string,
  name: string,
  since: Date,
): Promise<Health> {
  const workload = await kube.read(kind, name, namespace);
  const selector = selectorString(workload.spec?.selector);
  const pods = await kube.list('Pod', { namespace, labelSelector: selector, max: 200 });
  const revision = await newestRevision(kube, kind, workload, namespace, selector);
  const current =
    revision === undefined ? pods : pods.filter((pod) => pod.metadata?.labels?.[revision.label] === revision.value);
  const stuck = stuckNewPod(current, since);
  if (stuck !== undefined) return { state: 'failed', detail: stuck };
  return rolloutHealth(kind, workload);
}

/** The label that marks pods of the workload's newest revision, where it can be known. */
async function newestRevision(
  kube: KubeApi,
  kind: WorkloadKind,
  workload: Workload,
  namespace: string,
  selector: string,
): Promise<{ label: string; value: string } | undefined> {
  if (kind === 'StatefulSet') {
    const update = (workload as V1StatefulSet).status?.updateRevision;
    return update === undefined ? undefined : { label: 'controller-revision-hash', value: update };
  }
  if (kind !== 'Deployment') return undefined;
  const replicaSets = await kube.list('ReplicaSet', { namespace, labelSelector: selector, max: 500 });
  const newest = byRevision(ownedBy(replicaSets, workload.metadata?.uid))[0];
  const hash = newest?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
  return hash === undefined ? undefined : { label: POD_TEMPLATE_HASH_LABEL, value: hash };
}
