import type { V1ReplicaSet } from '@kubernetes/client-node';

import { condition } from '../../kube/objects.ts';
import type { Finding } from '../finding.ts';
import { auditFinding, type AuditCheck } from './check.ts';

/** ReplicaSets not owned by a Deployment (the Deployment check covers those) that cannot create pods. */
export function checkReplicaSet(rs: V1ReplicaSet): Finding[] {
  if (rs.metadata?.ownerReferences?.some((ref) => ref.controller === true && ref.kind === 'Deployment')) return [];
  const failure = condition(rs.status?.conditions, 'ReplicaFailure');
  if (failure?.status !== 'True') return [];
  return [
    auditFinding(
      'ReplicaSet',
      rs.metadata?.namespace,
      rs.metadata?.name ?? '',
      'replica-failure',
      `replicaset ${rs.metadata?.name ?? ''} cannot create pods: ${failure.message ?? failure.reason ?? ''}`,
      [`ReplicaFailure=True (${failure.reason ?? ''}): ${failure.message ?? ''}`],
    ),
  ];
}

export const replicaSetFailure: AuditCheck = {
  name: 'replicaset-failure',
  description: 'ReplicaSets outside a Deployment that cannot create pods (quota, admission).',
  lists: ['ReplicaSet'],
  keeps: () => ({ ReplicaSet: (rs) => checkReplicaSet(rs).length > 0 }),
  check: (listing) => listing.of('ReplicaSet').flatMap(checkReplicaSet),
};
