import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';

import type { Facts } from '../domain/facts.ts';
import type { Evidence } from '../domain/types.ts';
import { keepAll, podSelectors } from '../kube/listing.ts';
import {
  byRevision,
  condition,
  controllerOf,
  ownedBy,
  POD_TEMPLATE_HASH_LABEL,
  selectorString,
} from '../kube/objects.ts';
import type { Detector } from './detector.ts';
import { rolloutFacts, workloadFacts } from './facts.ts';
import { gone } from './k8s-util.ts';
import type { PodCauseKind } from './pod-causes.ts';
import { fromTemplate, POD_CAUSE_KINDS } from './pod-causes.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';
import { correlate, describeRollout, latestRollout, rollbackAdvice } from './rollout.ts';
import {
  listedPods,
  podsWithEvents,
  summarizeCauses,
  WORKLOAD_PODS_READS,
  type PodWithEvents,
} from './workload-pods.ts';

export interface DeploymentSnapshot {
  namespace: string;
  name: string;
  /** When the problem began (the alert's startsAt; the audit's time for an audit). */
  since: string;
  deployment: V1Deployment | null;
  replicaSets: V1ReplicaSet[];
  /** Pods of the newest revision, with the Warning events of the first few unhealthy ones. */
  pods: PodWithEvents[];
}

export type DeploymentAnomaly =
  PodCauseKind | 'gone' | 'paused' | 'generation-mismatch' | 'replica-failure' | 'rollout-stuck' | 'replicas-mismatch';

const MAX_PODS = 50;

export const deploymentHealth: Detector<DeploymentSnapshot, DeploymentAnomaly> = {
  name: 'deployment-health',
  description:
    'KubeDeploymentRolloutStuck, KubeDeploymentReplicasMismatch, KubeDeploymentGenerationMismatch: why the newest revision’s pods are not available (image, config, probes, scheduling, crashes, a lost node), whether the latest rollout caused it and what it changed, or why the controller has not acted.',
  reads: [
    { apiGroup: 'apps', resource: 'deployments', verbs: ['get'] },
    { apiGroup: 'apps', resource: 'replicasets', verbs: ['list'] },
    ...WORKLOAD_PODS_READS,
  ],
  anomalies: {
    ...(Object.fromEntries(POD_CAUSE_KINDS.map((kind) => [kind, ['workload', 'rollout']])) as Record<
      PodCauseKind,
      ['workload', 'rollout']
    >),
    gone: [],
    paused: ['workload'],
    'generation-mismatch': ['workload'],
    'replica-failure': ['workload', 'rollout'],
    'rollout-stuck': ['workload', 'rollout'],
    'replicas-mismatch': ['workload', 'rollout'],
  },
  settled: ['gone'],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'deployment');
    const deployment = await orNull(kube.read('Deployment', name, namespace));
    const snapshot: DeploymentSnapshot = {
      namespace,
      name,
      since: alert.startsAt,
      deployment,
      replicaSets: [],
      pods: [],
    };
    if (deployment === null) return snapshot;
    const selector = selectorString(deployment.spec?.selector);
    snapshot.replicaSets = await kube.list('ReplicaSet', { namespace, labelSelector: selector });
    const hash = newestPodTemplateHash(deployment, snapshot.replicaSets);
    if (hash === undefined) return snapshot;
    snapshot.pods = await podsWithEvents(kube, namespace, `${selector},${POD_TEMPLATE_HASH_LABEL}=${hash}`, MAX_PODS);
    return snapshot;
  },

  diagnose: (snapshot) => {
    const target = {
      kind: 'Deployment',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.deployment?.metadata?.uid,
    };
    const base = { detector: deploymentHealth.name, target };
    const { deployment } = snapshot;
    if (deployment === null)
      return gone(base, `deployment ${snapshot.namespace}/${snapshot.name} no longer exists`, 0.9);
    const facts: Facts = { workload: workloadFacts('Deployment', deployment) };
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
        facts,
      };
    }
    const desired = deployment.spec?.replicas ?? 1;
    const available = deployment.status?.availableReplicas ?? 0;
    const updated = deployment.status?.updatedReplicas ?? 0;
    const evidence: Evidence[] = [
      {
        source: 'deployment.status',
        message: `${available} of ${desired} replicas available, ${updated} updated to the newest revision`,
      },
    ];
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
    if (change !== undefined) {
      const correlation = correlate(change, snapshot.since);
      // A lost node is no template's doing, whenever the rollout was.
      const after = correlation.after && (primary === undefined || fromTemplate(primary.cause.kind));
      evidence.push(correlation.evidence);
      facts.rollout = rolloutFacts(change, after, unhealthyPods);
      if (after && primary !== undefined) {
        rollback = ` It began after ${describeRollout(change, snapshot.name)} — ${rollbackAdvice(change)}.`;
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
        facts,
      };
    }
    const stuck = progressing?.reason === 'ProgressDeadlineExceeded';
    if (primary === undefined) {
      return {
        ...base,
        anomaly: stuck ? 'rollout-stuck' : 'replicas-mismatch',
        summary: `${available} of ${desired} replicas available, but the newest revision's pods report no problem: the rollout may still be converging, or be limited by quota, an HPA or a PodDisruptionBudget`,
        confidence: 0.4,
        evidence,
        facts,
      };
    }
    evidence.push(...primary.cause.evidence);
    return {
      ...base,
      anomaly: primary.cause.kind,
      summary: `${stuck ? 'rollout stuck: ' : ''}${unhealthyPods} of ${snapshot.pods.length} pods of the newest revision are unhealthy — ${primary.cause.summary} (${primary.count} pod${primary.count === 1 ? '' : 's'}).${rollback}`,
      confidence: rollback === '' ? 0.7 : 0.8,
      evidence,
      facts,
    };
  },

  audit: {
    lists: ['Deployment', 'ReplicaSet', 'Pod', 'Node'],
    // The Deployments short of available, stuck or not yet observed, their ReplicaSets and their
    // pods: those the Deployment's selector picks, and those of each kept ReplicaSet's
    // pod-template-hash (all a snapshot asks for, whether the selector has matchLabels or not).
    keeps: () => {
      const owners = new Set<string | undefined>();
      const selectors = podSelectors();
      return {
        ...keepAll('Node'),
        Deployment: (deployment) => {
          if (!unsettled(deployment)) return false;
          owners.add(deployment.metadata?.uid);
          selectors.add(deployment.metadata?.namespace, selectorString(deployment.spec?.selector));
          return true;
        },
        ReplicaSet: (rs) => {
          // As ownedBy reads owners: the controller reference's uid, even when it has none.
          const owner = controllerOf(rs.metadata?.ownerReferences);
          if (owner === undefined || !owners.has(owner.uid)) return false;
          const hash = rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
          if (hash !== undefined) selectors.add(rs.metadata?.namespace, `${POD_TEMPLATE_HASH_LABEL}=${hash}`);
          return true;
        },
        Pod: (pod) => selectors.selects(pod),
      };
    },
    *snapshots(listing, now) {
      for (const deployment of listing.of('Deployment')) {
        if (!unsettled(deployment)) continue;
        const namespace = deployment.metadata?.namespace ?? '';
        const replicaSets = ownedBy(listing.of('ReplicaSet'), deployment.metadata?.uid);
        const hash = newestPodTemplateHash(deployment, replicaSets);
        const selector = `${selectorString(deployment.spec?.selector)},${POD_TEMPLATE_HASH_LABEL}=${hash ?? ''}`;
        yield {
          namespace,
          name: deployment.metadata?.name ?? '',
          since: now.toISOString(),
          deployment,
          replicaSets,
          pods: hash === undefined ? [] : listedPods(listing, namespace, selector),
        };
      }
    },
  },
};

/** The pod-template hash of the Deployment's newest ReplicaSet (its newest revision's pods carry it). */
function newestPodTemplateHash(deployment: V1Deployment, replicaSets: readonly V1ReplicaSet[]): string | undefined {
  return byRevision(ownedBy(replicaSets, deployment.metadata?.uid))[0]?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
}

/** Short of available replicas, past its progress deadline, or not yet observed at its generation. */
function unsettled(deployment: V1Deployment): boolean {
  const desired = deployment.spec?.replicas ?? 1;
  const stuck = condition(deployment.status?.conditions, 'Progressing')?.reason === 'ProgressDeadlineExceeded';
  const lagging = (deployment.status?.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 0);
  return (deployment.status?.availableReplicas ?? 0) < desired || stuck || lagging;
}
