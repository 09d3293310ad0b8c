import type { V1LabelSelector, V1OwnerReference } from '@kubernetes/client-node';

/** The Deployment controller's record of a rollout revision, on Deployments and their ReplicaSets. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** The label the Deployment controller adds to each ReplicaSet's pods. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** A status condition of any object, by type. */
export function condition<C extends { type: string }>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((item) => item.type === type);
}

/** `app=checkout,tier=web` from a selector's matchLabels (matchExpressions are not needed here). */
export function selectorString(selector: V1LabelSelector | undefined): string {
  return Object.entries(selector?.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** The owner reference marked as the object's controller. */
export function controllerOf(owners: readonly V1OwnerReference[] | undefined): V1OwnerReference | undefined {
  return owners?.find((owner) => owner.controller === true);
}

/** The objects among `candidates` whose controller is the object with `uid`. */
export function ownedBy<T extends { metadata?: { ownerReferences?: V1OwnerReference[] } }>(
  candidates: readonly T[],
  uid: string | undefined,
): T[] {
  return candidates.filter((item) =>
    item.metadata?.ownerReferences?.some((o) => o.controller === true && o.uid === uid),
  );
}

/** A Deployment's ReplicaSets, newest revision first. */
export function byRevision<T extends { metadata?: { annotations?: Record<string, string> } }>(
  replicaSets: readonly T[],
): T[] {
  return [...replicaSets].sort(
    (a, b) =>
      Number(b.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0) -
      Number(a.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
  );
}

/** An ISO timestamp from what the API server sent (a string) or client-node parsed (a Date). */
export function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Whether a workload can roll now: paused (Deployments), OnDelete updates, being deleted. */
export function rolloutState(workload: {
  metadata?: { deletionTimestamp?: unknown };
  spec?: { paused?: boolean; updateStrategy?: { type?: string } } | object;
}): { paused: boolean; onDelete: boolean; deleting: boolean } {
  const spec = workload.spec as { paused?: boolean; updateStrategy?: { type?: string } } | undefined;
  return {
    paused: spec?.paused === true,
    onDelete: spec?.updateStrategy?.type === 'OnDelete',
    deleting: workload.metadata?.deletionTimestamp !== undefined,
  };
}
