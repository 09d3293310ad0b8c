import type { V1Deployment, V1ReplicaSet, V1StatefulSet, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';

import type { Finding } from '../finding.ts';
import { auditFinding, type AuditCheck } from './check.ts';

/** An HPA whose target is not scalable or does not exist, or whose target's pods request nothing to scale on. */
export function checkHpaTarget(
  hpa: V2HorizontalPodAutoscaler,
  workloads: {
    deployments: readonly V1Deployment[];
    statefulSets: readonly V1StatefulSet[];
    replicaSets: readonly V1ReplicaSet[];
  },
): Finding[] {
  const ref = hpa.spec?.scaleTargetRef;
  const name = hpa.metadata?.name ?? '';
  const namespace = hpa.metadata?.namespace;
  if (ref === undefined) return [];
  const pools = {
    Deployment: workloads.deployments,
    StatefulSet: workloads.statefulSets,
    ReplicaSet: workloads.replicaSets,
  } as const;
  const pool = (pools as Record<string, readonly (V1Deployment | V1StatefulSet | V1ReplicaSet)[]>)[ref.kind];
  if (pool === undefined) {
    return [
      auditFinding(
        'HorizontalPodAutoscaler',
        namespace,
        name,
        'hpa-invalid-target',
        `HPA ${name} targets a ${ref.kind}, which it cannot scale here (Deployment, StatefulSet or ReplicaSet)`,
        [`scaleTargetRef: ${ref.kind}/${ref.name}`],
      ),
    ];
  }
  const target = pool.find((item) => item.metadata?.namespace === namespace && item.metadata?.name === ref.name);
  if (target === undefined) {
    return [
      auditFinding(
        'HorizontalPodAutoscaler',
        namespace,
        name,
        'hpa-missing-target',
        `HPA ${name} targets ${ref.kind} ${ref.name}, which does not exist`,
        [`scaleTargetRef: ${ref.kind}/${ref.name}`],
      ),
    ];
  }
  const resources = (hpa.spec?.metrics ?? [])
    .filter((metric) => metric.type === 'Resource')
    .map((metric) => metric.resource?.name ?? '');
  const containers = target.spec?.template?.spec?.containers ?? [];
  const missing = resources.filter((resource) =>
    containers.some((container) => container.resources?.requests?.[resource] === undefined),
  );
  if (missing.length === 0) return [];
  return [
    auditFinding(
      'HorizontalPodAutoscaler',
      namespace,
      name,
      'hpa-missing-requests',
      `HPA ${name} scales on ${missing.join(', ')} but containers of ${ref.kind} ${ref.name} request none: utilisation cannot be computed`,
      missing.map((resource) => `no ${resource} request in ${ref.kind} ${ref.name}`),
    ),
  ];
}

export const hpaTarget: AuditCheck = {
  name: 'hpa-target',
  description: 'HPAs whose target is missing or not scalable, or whose pods request nothing to scale on.',
  lists: ['HorizontalPodAutoscaler', 'Deployment', 'StatefulSet', 'ReplicaSet'],
  // Every HPA, then of the workloads only those some HPA targets.
  keeps: () => {
    const targets = new Set<string>();
    const targeted = (kind: string) => (workload: V1Deployment | V1StatefulSet | V1ReplicaSet) =>
      targets.has(`${kind}/${workload.metadata?.namespace ?? ''}/${workload.metadata?.name ?? ''}`);
    return {
      HorizontalPodAutoscaler: (hpa) => {
        const ref = hpa.spec?.scaleTargetRef;
        if (ref !== undefined) targets.add(`${ref.kind}/${hpa.metadata?.namespace ?? ''}/${ref.name}`);
        return true;
      },
      Deployment: targeted('Deployment'),
      StatefulSet: targeted('StatefulSet'),
      ReplicaSet: targeted('ReplicaSet'),
    };
  },
  check: (listing) =>
    listing.of('HorizontalPodAutoscaler').flatMap((hpa) =>
      checkHpaTarget(hpa, {
        deployments: listing.of('Deployment'),
        statefulSets: listing.of('StatefulSet'),
        replicaSets: listing.of('ReplicaSet'),
      }),
    ),
};
