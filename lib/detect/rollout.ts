import type { V1Container, V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import { iso, REVISION_ANNOTATION } from '../kube/objects.ts';

export interface Revision {
  revision: number;
  replicaSet: string;
  createdAt: string | undefined;
}

/** The Deployment's latest rollout: the revision before it, the latest, and what changed. */
export interface RolloutChange {
  previous: Revision;
  latest: Revision;
  /** Changes to the pod template, named but never with values (env values may be secret). */
  changes: string[];
}

/** The latest rollout of `deployment` among its ReplicaSets, or undefined when it has only one revision. */
export function latestRollout(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
): RolloutChange | undefined {
  const uid = deployment.metadata?.uid;
  const owned = replicaSets
    .filter((rs) => rs.metadata?.ownerReferences?.some((owner) => owner.controller === true && owner.uid === uid))
    .map((rs) => ({ rs, revision: Number(rs.metadata?.annotations?.[REVISION_ANNOTATION]) }))
    .filter((entry) => Number.isInteger(entry.revision))
    .sort((a, b) => b.revision - a.revision);
  const [latest, previous] = owned;
  if (latest === undefined || previous === undefined) return undefined;
  return {
    latest: describe(latest.rs, latest.revision),
    previous: describe(previous.rs, previous.revision),
    changes: templateChanges(previous.rs, latest.rs),
  };
}

/**
 * The latest rollout in words every record about its pods uses (the pod's, the crash loop's, the
 * Deployment's): "revision 3 of deployment checkout (container app image a → b; …)".
 */
export function describeRollout(change: RolloutChange, deployment: string): string {
  return `revision ${change.latest.revision} of deployment ${deployment} (${change.changes.join('; ') || 'no pod-template change'})`;
}

/** "roll back to revision 2 (replicaset checkout-6c5b4a3928)". */
export function rollbackAdvice(change: RolloutChange): string {
  return `roll back to revision ${change.previous.revision} (replicaset ${change.previous.replicaSet})`;
}

/** Whether the problem began after the latest rollout, and the evidence that says so. */
export function correlate(change: RolloutChange, startsAt: string): { after: boolean; evidence: Evidence } {
  const created = change.latest.createdAt === undefined ? undefined : new Date(change.latest.createdAt).getTime();
  const began = new Date(startsAt).getTime();
  const after = created !== undefined && created <= began;
  const minutes = created === undefined ? undefined : Math.round((began - created) / 60_000);
  const when =
    minutes === undefined
      ? 'at an unknown time'
      : after
        ? `${minutes} min before the alert began`
        : `${-minutes} min after the alert began`;
  return {
    after,
    evidence: {
      source: 'rollout',
      message: `revision ${change.latest.revision} (replicaset ${change.latest.replicaSet}) rolled out ${when}, replacing revision ${change.previous.revision} (${change.previous.replicaSet}); changed: ${change.changes.join('; ') || 'nothing in the pod template'}`,
      at: change.latest.createdAt,
    },
  };
}

/** The latest rollout as evidence, when the time the problem began is not known. */
export function rolloutEvidence(change: RolloutChange): Evidence {
  return {
    source: 'rollout',
    message: `revision ${change.latest.revision} (replicaset ${change.latest.replicaSet}) replaced revision ${change.previous.revision} (${change.previous.replicaSet}); changed: ${change.changes.join('; ') || 'nothing in the pod template'}`,
    at: change.latest.createdAt,
  };
}

function describe(rs: V1ReplicaSet, revision: number): Revision {
  return { revision, replicaSet: rs.metadata?.name ?? '', createdAt: iso(rs.metadata?.creationTimestamp) };
}

function templateChanges(before: V1ReplicaSet, after: V1ReplicaSet): string[] {
  const old = new Map((before.spec?.template?.spec?.containers ?? []).map((c) => [c.name, c]));
  const now = new Map((after.spec?.template?.spec?.containers ?? []).map((c) => [c.name, c]));
  const changes: string[] = [];
  for (const [name, container] of now) {
    const previous = old.get(name);
    if (previous === undefined) {
      changes.push(`container ${name} added`);
      continue;
    }
    changes.push(...containerChanges(name, previous, container));
  }
  for (const name of old.keys()) if (!now.has(name)) changes.push(`container ${name} removed`);
  return changes;
}

function containerChanges(name: string, before: V1Container, after: V1Container): string[] {
  const changes: string[] = [];
  if (before.image !== after.image)
    changes.push(`container ${name} image ${before.image ?? '?'} → ${after.image ?? '?'}`);
  const envBefore = new Map(
    (before.env ?? []).map((env) => [env.name, JSON.stringify(env.value ?? env.valueFrom ?? null)]),
  );
  const envAfter = new Map(
    (after.env ?? []).map((env) => [env.name, JSON.stringify(env.value ?? env.valueFrom ?? null)]),
  );
  for (const [key, value] of envAfter) {
    if (!envBefore.has(key)) changes.push(`container ${name} env ${key} added`);
    else if (envBefore.get(key) !== value) changes.push(`container ${name} env ${key} changed`);
  }
  for (const key of envBefore.keys()) if (!envAfter.has(key)) changes.push(`container ${name} env ${key} removed`);
  for (const kind of ['limits', 'requests'] as const) {
    const a = before.resources?.[kind] ?? {};
    const b = after.resources?.[kind] ?? {};
    for (const resource of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[resource] !== b[resource]) {
        changes.push(
          `container ${name} ${resource} ${kind.slice(0, -1)} ${a[resource] ?? 'none'} → ${b[resource] ?? 'none'}`,
        );
      }
    }
  }
  if (JSON.stringify(before.command ?? []) !== JSON.stringify(after.command ?? []))
    changes.push(`container ${name} command changed`);
  if (JSON.stringify(before.args ?? []) !== JSON.stringify(after.args ?? []))
    changes.push(`container ${name} args changed`);
  return changes;
}
