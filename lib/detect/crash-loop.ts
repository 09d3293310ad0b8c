import type {
  CoreV1Event,
  V1ContainerStatus,
  V1Deployment,
  V1Node,
  V1Pod,
  V1ReplicaSet,
} from '@kubernetes/client-node';

import type { Diagnosis, Evidence, ObjectRef } from '../domain/types.ts';
import type { Facts } from '../domain/facts.ts';
import { controllerOf, iso, REVISION_ANNOTATION, selectorString } from '../kube/objects.ts';
import type { Detector } from './detector.ts';
import { containerFacts, podFacts, workloadFacts } from './facts.ts';
import { containerLabel, orNull, requireLabel } from './pod-snapshot.ts';
import { podGone } from './k8s-util.ts';
import { nodeCause, type NodeCauseKind } from './pod-causes.ts';
import { correlate, describeRollout, latestRollout, rollbackAdvice, rolloutEvidence } from './rollout.ts';

/** What the crash-loop detector reads: the pod, its owner chain and its recent Warning events. */
export interface CrashLoopSnapshot {
  namespace: string;
  podName: string;
  /** The container the alert names, if any. */
  container?: string;
  pod: V1Pod | null;
  /** The node the pod is bound to: null when it no longer exists; omitted when not read. */
  node?: V1Node | null;
  replicaSet: V1ReplicaSet | null;
  deployment: V1Deployment | null;
  /** The Deployment's ReplicaSets (its revisions), to name what its latest rollout changed; omitted when not read. */
  replicaSets?: V1ReplicaSet[];
  /** When the problem began (the alert's startsAt); omitted when unknown. */
  since?: string;
  events: CoreV1Event[];
}

export type CrashLoopAnomaly =
  'crash-loop' | 'oom-killed' | 'bad-rollout' | NodeCauseKind | 'recovered' | 'pod-gone' | 'no-status';

const MAX_EVENTS = 5;

export const crashLoop: Detector<CrashLoopSnapshot, CrashLoopAnomaly> = {
  name: 'crash-loop',
  description:
    'KubePodCrashLooping: reads the pod, its node, its ReplicaSet and Deployment and its Warning events; tells an OOM kill or a broken rollout (where a restart would not help, and what the rollout changed) from a crash a fresh set of pods may clear, and a lost node (whose pods’ statuses are stale) from both.',

  reads: [
    { apiGroup: '', resource: 'pods', verbs: ['get'] },
    { apiGroup: '', resource: 'nodes', verbs: ['get'] },
    { apiGroup: '', resource: 'events', verbs: ['list'] },
    { apiGroup: 'apps', resource: 'replicasets', verbs: ['get', 'list'] },
    { apiGroup: 'apps', resource: 'deployments', verbs: ['get'] },
  ],
  anomalies: {
    'crash-loop': ['pod', 'container', 'workload'],
    'oom-killed': ['pod', 'container', 'workload'],
    'bad-rollout': ['pod', 'container', 'workload'],
    'node-unreachable': ['pod'],
    'node-not-ready': ['pod'],
    recovered: ['pod', 'container'],
    'pod-gone': [],
    'no-status': ['pod'],
  },
  settled: ['recovered', 'pod-gone', 'no-status'],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const podName = requireLabel(alert, 'pod');
    const pod = await orNull(kube.getPod(namespace, podName));
    const snapshot: CrashLoopSnapshot = {
      namespace,
      podName,
      ...containerLabel(alert),
      pod,
      replicaSet: null,
      deployment: null,
      since: alert.startsAt,
      events: [],
    };
    if (pod === null) return snapshot;

    const podOwner = controllerOf(pod.metadata?.ownerReferences);
    const nodeName = pod.spec?.nodeName ?? '';
    const [events, replicaSet, node] = await Promise.all([
      kube.listWarningEvents(namespace, { kind: 'Pod', name: podName, uid: pod.metadata?.uid }),
      podOwner?.kind === 'ReplicaSet' ? orNull(kube.getReplicaSet(namespace, podOwner.name)) : Promise.resolve(null),
      nodeName === '' ? Promise.resolve(undefined) : orNull(kube.read('Node', nodeName)),
    ]);
    if (node !== undefined) snapshot.node = node;
    snapshot.events = events;
    snapshot.replicaSet = replicaSet;
    const rsOwner = controllerOf(replicaSet?.metadata?.ownerReferences);
    if (rsOwner?.kind !== 'Deployment') return snapshot;
    snapshot.deployment = await orNull(kube.getDeployment(namespace, rsOwner.name));
    const selector = selectorString(snapshot.deployment?.spec?.selector);
    if (selector !== '') snapshot.replicaSets = await kube.listReplicaSets(namespace, selector);
    return snapshot;
  },

  diagnose: (snapshot) => diagnoseCrashLoop(snapshot),
};

type CrashLoopDiagnosis = Diagnosis & { anomaly: CrashLoopAnomaly };

/** What the pod's state says, from the gone pod to the crash of a rolled-out Deployment. Pure. */
function diagnoseCrashLoop(snapshot: CrashLoopSnapshot): CrashLoopDiagnosis {
  const podRef: ObjectRef = { kind: 'Pod', namespace: snapshot.namespace, name: snapshot.podName };
  const base = { detector: crashLoop.name, target: podRef };
  const { pod } = snapshot;
  if (pod === null) return podGone(base, snapshot.namespace, snapshot.podName);
  podRef.uid = pod.metadata?.uid;
  const container = pickContainer(pod, snapshot.container);
  const evidence = collectEvidence(container, snapshot);
  // A lost node's pods keep the container statuses the kubelet last wrote: they say nothing now.
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  const lost = snapshot.node === undefined || finished ? undefined : nodeCause(pod, snapshot.node, snapshot.events);
  if (lost !== undefined) {
    return {
      ...base,
      anomaly: lost.kind,
      summary: lost.summary,
      confidence: 0.8,
      evidence: [...lost.evidence, ...evidence],
      facts: { pod: podFacts(pod) },
    };
  }
  if (container === undefined) {
    return {
      ...base,
      anomaly: 'no-status',
      summary: 'the pod reports no container status yet',
      confidence: 0.3,
      evidence,
      facts: { pod: podFacts(pod) },
    };
  }
  const { deployment } = snapshot;
  const facts: Facts = {
    pod: podFacts(pod),
    container: containerFacts(pod, container),
    ...(deployment === null ? {} : { workload: workloadFacts('Deployment', deployment) }),
  };
  if (container.state?.running !== undefined && container.ready) {
    return {
      ...base,
      anomaly: 'recovered',
      summary: `container ${container.name} is running and ready again after ${container.restartCount} restarts`,
      confidence: 0.8,
      evidence,
      facts: { pod: facts.pod, container: facts.container },
    };
  }
  if (container.lastState?.terminated?.reason === 'OOMKilled') {
    const limit = facts.container?.memoryLimit;
    const advice =
      deployment === null || limit === undefined
        ? 'raise the limit or fix the leak'
        : `raise the limit of deployment ${deployment.metadata?.name ?? ''} (if usage is steady, not a leak)`;
    return {
      ...base,
      anomaly: 'oom-killed',
      summary: `container ${container.name} is killed for exceeding its memory limit (${limit ?? 'no limit set'}); a restart would not help — ${advice}`,
      confidence: 0.9,
      evidence,
      facts,
    };
  }
  return diagnoseCrash(snapshot, pod, container, { base, evidence, facts });
}

/** A container that keeps crashing (not OOM-killed): in a Deployment's rollout, or under its controller. */
function diagnoseCrash(
  snapshot: CrashLoopSnapshot,
  pod: V1Pod,
  container: V1ContainerStatus,
  found: { base: Pick<Diagnosis, 'detector' | 'target'>; evidence: Evidence[]; facts: Facts },
): CrashLoopDiagnosis {
  const { base, evidence, facts } = found;
  const last = container.lastState?.terminated;
  const crashDetail =
    last === undefined
      ? (container.state?.waiting?.reason ?? 'waiting')
      : `exits with code ${last.exitCode} (${last.reason ?? 'no reason'})`;
  const { deployment, replicaSet } = snapshot;
  if (deployment !== null && replicaSet !== null) {
    const deploymentRef: ObjectRef = {
      kind: 'Deployment',
      namespace: snapshot.namespace,
      name: deployment.metadata?.name ?? '',
      uid: deployment.metadata?.uid,
    };
    if (isRolloutInProgress(deployment, replicaSet)) {
      const revision = revisionOf(replicaSet) ?? '?';
      const change = latestRollout(deployment, snapshot.replicaSets ?? []);
      const named = change?.latest.replicaSet === replicaSet.metadata?.name ? change : undefined;
      const advice =
        revision === '1'
          ? 'this is its first revision, so there is nothing to roll back to — fix the pod spec or the image'
          : named === undefined
            ? 'roll back to the previous revision'
            : rollbackAdvice(named);
      if (named !== undefined) {
        evidence.push(
          snapshot.since === undefined ? rolloutEvidence(named) : correlate(named, snapshot.since).evidence,
        );
      }
      const what =
        named === undefined
          ? `revision ${revision} of deployment ${deploymentRef.name}`
          : describeRollout(named, deploymentRef.name);
      return {
        ...base,
        anomaly: 'bad-rollout',
        target: deploymentRef,
        summary: `container ${container.name} ${crashDetail} in the new ${what}, whose rollout has not completed; a restart would not help — ${advice}`,
        confidence: 0.7,
        evidence,
        facts,
      };
    }
    return {
      ...base,
      anomaly: 'crash-loop',
      target: deploymentRef,
      summary: `container ${container.name} of deployment ${deploymentRef.name} is crash looping: it ${crashDetail}`,
      confidence: 0.6,
      evidence,
      facts,
    };
  }
  const controller = controllerOf(pod.metadata?.ownerReferences);
  return {
    ...base,
    anomaly: 'crash-loop',
    summary:
      controller === undefined
        ? `container ${container.name} ${crashDetail}; the pod has no controller, so deleting it would lose it — recreate it from its manifest`
        : `container ${container.name} of ${controller.kind} ${controller.name} is crash looping: it ${crashDetail}`,
    confidence: 0.5,
    evidence,
    facts,
  };
}

/** The container the alert names, else the one crash looping, else the one restarted most. */
export function pickContainer(pod: V1Pod, name: string | undefined): V1ContainerStatus | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  return (
    statuses.find((status) => status.name === name) ??
    statuses.find((status) => status.state?.waiting?.reason === 'CrashLoopBackOff') ??
    [...statuses].sort((a, b) => b.restartCount - a.restartCount)[0]
  );
}

/**
 * A rollout is in progress when the pod belongs to the Deployment's newest revision and the
 * Deployment has not reported that revision available (Progressing/NewReplicaSetAvailable) or
 * has not yet updated every replica.
 */
export function isRolloutInProgress(deployment: V1Deployment, replicaSet: V1ReplicaSet): boolean {
  const current = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
  if (current === undefined || current !== revisionOf(replicaSet)) return false;
  const progressing = deployment.status?.conditions?.find((condition) => condition.type === 'Progressing');
  const complete = progressing?.reason === 'NewReplicaSetAvailable';
  const replicas = deployment.spec?.replicas ?? 1;
  const updated = deployment.status?.updatedReplicas ?? 0;
  // Availability is not a signal here: crash-looping pods are unavailable in any case.
  return !complete || updated < replicas;
}

function collectEvidence(container: V1ContainerStatus | undefined, snapshot: CrashLoopSnapshot): Evidence[] {
  const evidence: Evidence[] = [];
  if (container !== undefined) {
    const waiting = container.state?.waiting;
    if (waiting !== undefined) {
      evidence.push({
        source: 'pod.status',
        message: `container ${container.name} is waiting: ${waiting.reason ?? 'unknown'}${waiting.message ? ` (${waiting.message})` : ''}`,
      });
    }
    const last = container.lastState?.terminated;
    if (last !== undefined) {
      evidence.push({
        source: 'pod.status',
        message: `last termination: ${last.reason ?? 'unknown'}, exit code ${last.exitCode}${last.message ? `: ${last.message.trim().slice(0, 300)}` : ''}`,
        at: iso(last.finishedAt),
      });
    }
    evidence.push({
      source: 'pod.status',
      message: `container ${container.name} restarted ${container.restartCount} times`,
    });
  }
  const { replicaSet, deployment } = snapshot;
  if (replicaSet !== null) {
    const owner =
      deployment === null
        ? ''
        : ` of deployment ${deployment.metadata?.name ?? ''} (current revision ${deployment.metadata?.annotations?.[REVISION_ANNOTATION] ?? '?'})`;
    evidence.push({
      source: 'owner',
      message: `owned by replicaset ${replicaSet.metadata?.name ?? ''} (revision ${revisionOf(replicaSet) ?? '?'})${owner}`,
      at: iso(replicaSet.metadata?.creationTimestamp),
    });
  }
  if (deployment?.spec?.paused === true) {
    evidence.push({ source: 'deployment.spec', message: `deployment ${deployment.metadata?.name ?? ''} is paused` });
  }
  for (const event of snapshot.events.slice(0, MAX_EVENTS)) {
    const count = event.count !== undefined && event.count > 1 ? ` ×${event.count}` : '';
    evidence.push({
      source: 'event',
      message: `${event.reason ?? 'Warning'}${count}: ${event.message ?? ''}`.trim(),
      at: iso(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp),
    });
  }
  return evidence;
}

function revisionOf(replicaSet: V1ReplicaSet): string | undefined {
  return replicaSet.metadata?.annotations?.[REVISION_ANNOTATION];
}
