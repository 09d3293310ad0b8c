import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';

import type { Diagnosis, Evidence, Plan } from '../domain/types.ts';
import { REVISION_ANNOTATION } from '../remediate/rollout-restart.ts';
import { planRolloutUndo } from '../remediate/rollout-undo.ts';
import type { Detector } from './detector.ts';
import { condition, gone, selectorString } from './k8s-util.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';
import { correlate, latestRollout } from './rollout.ts';
import { podsWithEvents, summarizeCauses, type PodWithEvents } from './workload-pods.ts';

export interface DeploymentSnapshot {
  namespace: string;
  name: string;
  deployment: V1Deployment | null;
  replicaSets: V1ReplicaSet[];
  /** Pods of the newest revision, with the Warning events of the first few unhealthy ones. */
  pods: PodWithEvents[];
}

const MAX_PODS = 50;

export const deploymentHealth: Detector<DeploymentSnapshot> = {
  name: 'deployment-health',
  description:
    'KubeDeploymentRolloutStuck, KubeDeploymentReplicasMismatch, KubeDeploymentGenerationMismatch: why the newest revision’s pods are not available (image, config, probes, scheduling, crashes), whether the latest rollout caused it and what it changed, or why the controller has not acted.',
  reads: [
    { apiGroup: 'apps', resource: 'deployments', verbs: ['get'] },
    { apiGroup: 'apps', resource: 'replicasets', verbs: ['list'] },
    { apiGroup: '', resource: 'pods', verbs: ['list'] },
    { apiGroup: '', resource: 'events', verbs: ['list'] },
  ],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'deployment');
    const deployment = await orNull(kube.read('Deployment', name, namespace));
    const snapshot: DeploymentSnapshot = { namespace, name, deployment, replicaSets: [], pods: [] };
    if (deployment === null) return snapshot;
    const selector = selectorString(deployment.spec?.selector);
    snapshot.replicaSets = await kube.list('ReplicaSet', { namespace, labelSelector: selector });
    const newest = newestReplicaSet(deployment, snapshot.replicaSets);
    const hash = newest?.metadata?.labels?.['pod-template-hash'];
    if (hash === undefined) return snapshot;
    snapshot.pods = await podsWithEvents(kube, namespace, `${selector},pod-template-hash=${hash}`, MAX_PODS);
    return snapshot;
  },

  diagnose: (alert, snapshot) => {
    const target = {
      kind: 'Deployment',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.deployment?.metadata?.uid,
    };
    const base = { detector: deploymentHealth.name, target, plan: null };
    const { deployment } = snapshot;
    if (deployment === null)
      return gone(base, `deployment ${snapshot.namespace}/${snapshot.name} no longer exists`, 0.9);
    const evidence: Evidence[] = [];
    const generation = deployment.metadata?.generation ?? 0;
    const observed = deployment.status?.observedGeneration ?? 0;
    if (observed < generation) {
      const paused = deployment.spec?.paused === true;
      return {
        ...base,
        anomaly: paused ? 'paused' : 'generation-mismatch',
        summary: paused
          ? `deployment ${snapshot.name} is paused: generation ${generation} will not roll out until it is resumed`
          : `the Deployment controller has not acted on generation ${generation} (observed ${observed}): check kube-controller-manager`,
        confidence: paused ? 0.9 : 0.6,
        evidence: [
          { source: 'deployment.status', message: `generation ${generation}, observedGeneration ${observed}` },
        ],
      };
    }
    const desired = deployment.spec?.replicas ?? 1;
    const available = deployment.status?.availableReplicas ?? 0;
    const updated = deployment.status?.updatedReplicas ?? 0;
    evidence.push({
      source: 'deployment.status',
      message: `${available} of ${desired} replicas available, ${updated} updated to the newest revision`,
    });
    const progressing = condition(deployment.status?.conditions, 'Progressing');
    if (progressing !== undefined) {
      evidence.push({
        source: 'deployment.status',
        message: `Progressing=${progressing.status} (${progressing.reason ?? ''}): ${progressing.message ?? ''}`,
      });
    }
    const { primary, unhealthy: unhealthyPods } = summarizeCauses(snapshot.pods);
    const change = latestRollout(deployment, snapshot.replicaSets);
    let rollback = '';
    let plan: Plan | null = null;
    if (change !== undefined) {
      const correlation = correlate(change, alert.startsAt);
      evidence.push(correlation.evidence);
      if (correlation.after && primary !== undefined) {
        rollback = ` It began after revision ${change.latest.revision} (${change.changes.join('; ') || 'no pod-template change'}) — roll back to revision ${change.previous.revision} (replicaset ${change.previous.replicaSet}).`;
        plan = planRolloutUndo(
          deployment,
          { from: change.latest.revision, to: change.previous.revision },
          `the pods of revision ${change.latest.revision} fail (${primary.cause.kind}) since it rolled out; revision ${change.previous.revision} ran before it`,
        );
      }
    }
    const failure = snapshot.replicaSets
      .map((rs) => condition(rs.status?.conditions, 'ReplicaFailure'))
      .find((c) => c?.status === 'True');
    if (primary === undefined && failure !== undefined) {
      return {
        ...base,
        anomaly: 'replica-failure',
        summary: `${available} of ${desired} replicas available: the ReplicaSet cannot create pods — ${failure.message ?? failure.reason ?? ''}`,
        confidence: 0.8,
        evidence: [
          ...evidence,
          {
            source: 'replicaset.status',
            message: `ReplicaFailure=True (${failure.reason ?? ''}): ${failure.message ?? ''}`,
          },
        ],
      };
    }
    if (primary === undefined) {
      return {
        ...base,
        anomaly: progressing?.reason === 'ProgressDeadlineExceeded' ? 'rollout-stuck' : 'replicas-mismatch',
        summary: `${available} of ${desired} replicas available, but the newest revision's pods report no problem: the rollout may still be converging, or be limited by quota, an HPA or a PodDisruptionBudget`,
        confidence: 0.4,
        evidence,
      };
    }
    evidence.push(...primary.cause.evidence);
    const stuck = progressing?.reason === 'ProgressDeadlineExceeded';
    return {
      ...base,
      anomaly: primary.cause.kind,
      summary: `${stuck ? 'rollout stuck: ' : ''}${unhealthyPods} of ${snapshot.pods.length} pods of the newest revision are unhealthy — ${primary.cause.summary} (${primary.count} pod${primary.count === 1 ? '' : 's'}).${rollback}`,
      confidence: rollback === '' ? 0.7 : 0.8,
      evidence,
      plan,
    } satisfies Diagnosis;
  },
};

function newestReplicaSet(deployment: V1Deployment, replicaSets: readonly V1ReplicaSet[]): V1ReplicaSet | undefined {
  const uid = deployment.metadata?.uid;
  return replicaSets
    .filter((rs) => rs.metadata?.ownerReferences?.some((owner) => owner.controller === true && owner.uid === uid))
    .sort(
      (a, b) =>
        Number(b.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0) -
        Number(a.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0),
    )[0];
}
