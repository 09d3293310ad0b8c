import type { Alert } from '../alert/schema.ts';
import type { Diagnosis, Evidence, ObjectRef } from '../domain/types.ts';
import { podCauses } from './pod-causes.ts';
import type { PodSnapshot } from './pod-snapshot.ts';
import { correlate, latestRollout } from './rollout.ts';

/**
 * A diagnosis for an alert about one pod (KubeContainerWaiting, KubePodNotReady): what is wrong
 * from the kubelet's and the scheduler's reports and, for a Deployment's pod, whether it began
 * with the latest rollout — then the two revisions and what changed between them are named and a
 * rollback is the advice. Pure. Plans nothing: none of these causes is fixed by a restart, and
 * the fixes they need (rollback, quota, capacity) are not in this build's catalogue.
 */
export function diagnosePodProblem(detector: string, alert: Alert, snapshot: PodSnapshot): Diagnosis {
  const podRef: ObjectRef = { kind: 'Pod', namespace: snapshot.namespace, name: snapshot.podName };
  const { pod } = snapshot;
  if (pod === null) {
    return {
      detector,
      anomaly: 'pod-gone',
      target: podRef,
      summary: `pod ${snapshot.namespace}/${snapshot.podName} no longer exists: it was deleted or replaced`,
      confidence: 0.9,
      evidence: [],
      plan: null,
    };
  }
  podRef.uid = pod.metadata?.uid;
  const causes = podCauses(pod, snapshot.events);
  const primary = causes.find((cause) => cause.container === alert.labels.container) ?? causes[0];
  if (primary === undefined) {
    return {
      detector,
      anomaly: 'recovered',
      target: podRef,
      summary: `pod ${snapshot.namespace}/${snapshot.podName} is scheduled and its containers are ready now`,
      confidence: 0.7,
      evidence: [],
      plan: null,
    };
  }
  const evidence: Evidence[] = [...primary.evidence];
  const { deployment, replicaSet } = snapshot;
  if (deployment !== null && replicaSet !== null) {
    evidence.push({
      source: 'owner',
      message: `owned by replicaset ${replicaSet.metadata?.name ?? ''} of deployment ${deployment.metadata?.name ?? ''}`,
    });
    const change = latestRollout(deployment, snapshot.replicaSets);
    if (change !== undefined && change.latest.replicaSet === replicaSet.metadata?.name) {
      const correlation = correlate(change, alert.startsAt);
      evidence.push(correlation.evidence);
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
          plan: null,
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
    plan: null,
  };
}
