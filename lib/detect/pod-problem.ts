import type { V1Node, V1Pod } from '@kubernetes/client-node';

import type { Diagnosis, Evidence, ObjectRef } from '../domain/types.ts';
import type { Facts } from '../domain/facts.ts';
import { keepAll, type Listing } from '../kube/listing.ts';
import { condition, controllerOf } from '../kube/objects.ts';
import { containerFacts, podFacts, rolloutFacts, workloadFacts } from './facts.ts';
import {
  eventEvidence,
  fromTemplate,
  POD_CAUSE_KINDS,
  podCauses,
  readyEvidence,
  type PodCauseKind,
} from './pod-causes.ts';
import type { PodSnapshot } from './pod-snapshot.ts';
import { correlate, describeRollout, latestRollout, rollbackAdvice } from './rollout.ts';
import type { DetectorAudit } from './detector.ts';
import { podGone } from './k8s-util.ts';

export type PodProblemAnomaly = PodCauseKind | 'pod-gone' | 'recovered';

/** Warning events of the pod named in every pod diagnosis, newest first. */
const MAX_EVENTS = 3;

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
 * as Kubernetes judges the pod's readiness (its node, then the scheduler's and the kubelet's
 * reports, then its Ready condition) and, for a Deployment's pod whose cause a pod template can
 * bring, whether it began with the latest rollout — then the two revisions and what changed
 * between them are named, and the facts carry both revisions for a rollback. Pure.
 */
export function diagnosePodProblem(
  detector: string,
  snapshot: PodSnapshot,
): Diagnosis & { anomaly: PodProblemAnomaly } {
  const podRef: ObjectRef = { kind: 'Pod', namespace: snapshot.namespace, name: snapshot.podName };
  const { pod } = snapshot;
  if (pod === null) return podGone({ detector, target: podRef }, snapshot.namespace, snapshot.podName);
  podRef.uid = pod.metadata?.uid;
  const causes = podCauses(pod, snapshot.events, snapshot.node);
  const primary = causes.find((cause) => cause.container === snapshot.container) ?? causes[0];
  if (primary === undefined) {
    return {
      detector,
      anomaly: 'recovered',
      target: podRef,
      summary: `pod ${snapshot.namespace}/${snapshot.podName} is ready now (${readyEvidence(pod).message})`,
      confidence: 0.7,
      evidence: podContext(pod, snapshot, []),
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
      const after = correlation.after && fromTemplate(primary.kind);
      evidence.push(correlation.evidence);
      facts.rollout = rolloutFacts(change, after, 1);
      if (after) {
        const name = deployment.metadata?.name ?? '';
        return {
          detector,
          anomaly: primary.kind,
          target: { kind: 'Deployment', namespace: snapshot.namespace, name, uid: deployment.metadata?.uid },
          summary: `${primary.summary}; it began after ${describeRollout(change, name)} — ${rollbackAdvice(change)}`,
          confidence: 0.8,
          evidence: podContext(pod, snapshot, evidence),
          facts,
        };
      }
    }
  }
  const others = causes
    .filter((cause) => cause !== primary)
    .map((cause) => ({ source: 'pod.status', message: cause.summary }));
  return {
    detector,
    anomaly: primary.kind,
    target: podRef,
    summary: primary.summary,
    confidence: causes.length === 1 ? 0.7 : 0.6,
    evidence: podContext(pod, snapshot, [...evidence, ...others]),
    facts,
  };
}

/**
 * The evidence about a pod whatever its cause: `found`, then the pod's Ready condition, its node
 * and its recent Warning events, each once.
 */
function podContext(pod: V1Pod, snapshot: PodSnapshot, found: readonly Evidence[]): Evidence[] {
  const evidence = [...found, readyEvidence(pod)];
  const nodeName = pod.spec?.nodeName;
  if (nodeName !== undefined && snapshot.node !== undefined) {
    const ready = snapshot.node === null ? undefined : condition(snapshot.node.status?.conditions, 'Ready');
    evidence.push({
      source: 'node',
      message:
        snapshot.node === null
          ? `on node ${nodeName}, which no longer exists`
          : `on node ${nodeName} (Ready=${ready?.status ?? 'absent'}${ready?.reason ? `, ${ready.reason}` : ''})`,
    });
  }
  evidence.push(...snapshot.events.slice(0, MAX_EVENTS).map(eventEvidence));
  const seen = new Set<string>();
  return evidence.filter((item) => !seen.has(item.message) && seen.add(item.message) !== undefined);
}

/** Controllers whose pods an audit reports through the workload rather than one by one. */
const WORKLOAD_CONTROLLERS = new Set(['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

function nodesByName(listing: Listing): Map<string, V1Node> {
  return new Map(listing.of('Node').map((node) => [node.metadata?.name ?? '', node]));
}

/** A pod with a cause that no workload's finding covers (or evicted, whoever owns it). */
function reportedAlone(pod: V1Pod, node: V1Node | undefined): boolean {
  const evicted = pod.status?.reason === 'Evicted';
  const owner = controllerOf(pod.metadata?.ownerReferences);
  const covered = owner !== undefined && WORKLOAD_CONTROLLERS.has(owner.kind);
  return (evicted || !covered) && podCauses(pod, [], node).length > 0;
}

/**
 * Pods an audit reports one by one: those with no workload controller the audit covers (bare
 * pods, or owned by kinds it does not read), and evicted pods whoever owns them (they linger after
 * their replacement runs).
 */
export const podProblemAudit: DetectorAudit<PodSnapshot> = {
  lists: ['Pod', 'Node'],
  // Every node (they are few), and of the pods those reported one by one that have a cause.
  keeps: (kept) => {
    let nodes: Map<string, V1Node> | undefined;
    return {
      ...keepAll('Node'),
      Pod: (pod) => {
        // Nodes stream before pods: by the first pod, every node is kept.
        nodes ??= nodesByName(kept);
        return reportedAlone(pod, nodes.get(pod.spec?.nodeName ?? ''));
      },
    };
  },
  *snapshots(listing: Listing, now: Date) {
    const nodes = nodesByName(listing);
    for (const pod of listing.of('Pod')) {
      // A node missing from a listing may only be past its bound: it is not taken as gone.
      const node = nodes.get(pod.spec?.nodeName ?? '');
      if (!reportedAlone(pod, node)) continue;
      yield {
        namespace: pod.metadata?.namespace ?? '',
        podName: pod.metadata?.name ?? '',
        since: now.toISOString(),
        pod,
        ...(node === undefined ? {} : { node }),
        events: [],
        replicaSet: null,
        deployment: null,
        replicaSets: [],
      };
    }
  },
};
