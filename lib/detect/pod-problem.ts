import type { Diagnosis, Evidence, ObjectRef } from '../domain/types.ts';
import type { Facts } from '../domain/facts.ts';
import type { Listing } from '../kube/listing.ts';
import { controllerOf } from '../kube/objects.ts';
import { containerFacts, podFacts, rolloutFacts, workloadFacts } from './facts.ts';
import { POD_CAUSE_KINDS, podCauses, type PodCauseKind } from './pod-causes.ts';
import type { PodSnapshot } from './pod-snapshot.ts';
import { correlate, latestRollout } from './rollout.ts';
import type { DetectorAudit } from './detector.ts';
import { podGone } from './k8s-util.ts';

export type PodProblemAnomaly = PodCauseKind | 'pod-gone' | 'recovered';

/** What a pod-level diagnosis may report, with its facts. */
export const POD_PROBLEM_ANOMALIES: Readonly<Record<PodProblemAnomaly, readonly (keyof Facts)[]>> = {
  ...(Object.fromEntries(POD_CAUSE_KINDS.map((kind) => [kind, ['pod', 'container', 'workload', 'rollout']])) as Record<
    PodCauseKind,
    (keyof Facts)[]
  >),
  'pod-gone': [],
  recovered: ['pod'],
};

/** What a pod-level diagnosis reports when nothing is wrong now. */
export const POD_PROBLEM_SETTLED: readonly PodProblemAnomaly[] = ['pod-gone', 'recovered'];

/**
 * A diagnosis for an alert about one pod (KubeContainerWaiting, KubePodNotReady): what is wrong
 * from the kubelet's and the scheduler's reports and, for a Deployment's pod, whether it began
 * with the latest rollout — then the two revisions and what changed between them are named, and
 * the facts carry both revisions for a rollback. Pure.
 */
export function diagnosePodProblem(
  detector: string,
  snapshot: PodSnapshot,
): Diagnosis & { anomaly: PodProblemAnomaly } {
  const podRef: ObjectRef = { kind: 'Pod', namespace: snapshot.namespace, name: snapshot.podName };
  const { pod } = snapshot;
  if (pod === null) return podGone({ detector, target: podRef }, snapshot.namespace, snapshot.podName);
  podRef.uid = pod.metadata?.uid;
  const causes = podCauses(pod, snapshot.events);
  const primary = causes.find((cause) => cause.container === snapshot.container) ?? causes[0];
  if (primary === undefined) {
    return {
      detector,
      anomaly: 'recovered',
      target: podRef,
      summary: `pod ${snapshot.namespace}/${snapshot.podName} is scheduled and its containers are ready now`,
      confidence: 0.7,
      evidence: [],
      facts: { pod: podFacts(pod) },
    };
  }
  const status = pod.status?.containerStatuses?.find((s) => s.name === primary.container);
  const facts: Facts = {
    pod: podFacts(pod),
    ...(status === undefined ? {} : { container: containerFacts(pod, status) }),
  };
  const evidence: Evidence[] = [...primary.evidence];
  const { deployment, replicaSet } = snapshot;
  if (deployment !== null && replicaSet !== null) {
    facts.workload = workloadFacts('Deployment', deployment);
    evidence.push({
      source: 'owner',
      message: `owned by replicaset ${replicaSet.metadata?.name ?? ''} of deployment ${deployment.metadata?.name ?? ''}`,
    });
    const change = latestRollout(deployment, snapshot.replicaSets);
    if (change !== undefined && change.latest.replicaSet === replicaSet.metadata?.name) {
      const correlation = correlate(change, snapshot.since);
      evidence.push(correlation.evidence);
      facts.rollout = rolloutFacts(change, correlation.after, 1);
      if (correlation.after) {
        return {
          detector,
          anomaly: primary.kind,
          target: {
            kind: 'Deployment',
            namespace: snapshot.namespace,
            name: deployment.metadata?.name ?? '',
            uid: deployment.metadata?.uid,
          },
          summary: `${primary.summary}; it began after revision ${change.latest.revision} of deployment ${deployment.metadata?.name ?? ''} (${change.changes.join('; ') || 'no pod-template change'}) — roll back to revision ${change.previous.revision} (replicaset ${change.previous.replicaSet})`,
          confidence: 0.8,
          evidence,
          facts,
        };
      }
    }
  }
  return {
    detector,
    anomaly: primary.kind,
    target: podRef,
    summary: primary.summary,
    confidence: causes.length === 1 ? 0.7 : 0.6,
    evidence: [
      ...evidence,
      ...causes.filter((cause) => cause !== primary).map((cause) => ({ source: 'pod.status', message: cause.summary })),
    ],
    facts,
  };
}

/** Controllers whose pods an audit reports through the workload rather than one by one. */
const WORKLOAD_CONTROLLERS = new Set(['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

/**
 * Pods an audit reports one by one: those with no workload controller the audit covers (bare
 * pods, or owned by kinds it does not read), and evicted pods whoever owns them (they linger after
 * their replacement runs).
 */
export const podProblemAudit: DetectorAudit<PodSnapshot> = {
  lists: ['Pod'],
  *snapshots(listing: Listing, now: Date) {
    for (const pod of listing.of('Pod')) {
      const evicted = pod.status?.reason === 'Evicted';
      const owner = controllerOf(pod.metadata?.ownerReferences);
      const covered = owner !== undefined && WORKLOAD_CONTROLLERS.has(owner.kind);
      if ((!evicted && covered) || podCauses(pod, []).length === 0) continue;
      yield {
        namespace: pod.metadata?.namespace ?? '',
        podName: pod.metadata?.name ?? '',
        since: now.toISOString(),
        pod,
        events: [],
        replicaSet: null,
        deployment: null,
        replicaSets: [],
      };
    }
  },
};
