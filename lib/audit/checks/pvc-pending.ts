import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';

import { eventEvidence } from '../../detect/pod-causes.ts';
import { finding, type Finding } from '../finding.ts';
import type { AuditCheck } from './check.ts';

/** The provisioner's own words are read for this many Pending claims (one request each). */
const MAX_EVENT_READS = 20;

const unbound = (pvc: V1PersistentVolumeClaim): boolean =>
  pvc.status?.phase === 'Pending' || pvc.status?.phase === 'Lost';

export const pvcPending: AuditCheck = {
  name: 'pvc-pending',
  description: 'PersistentVolumeClaims Pending or Lost, with the provisioner’s error.',
  lists: ['PersistentVolumeClaim'],
  reads: [{ apiGroup: '', resource: 'events', verbs: ['list'] }],
  keeps: () => ({ PersistentVolumeClaim: unbound }),
  check: async (listing, { kube }) => {
    const pending = listing.of('PersistentVolumeClaim').filter(unbound);
    const findings: Finding[] = [];
    for (const [index, pvc] of pending.entries()) {
      const namespace = pvc.metadata?.namespace ?? '';
      const name = pvc.metadata?.name ?? '';
      const events =
        index < MAX_EVENT_READS ? await kube.listWarningEvents(namespace, { kind: 'PersistentVolumeClaim', name }) : [];
      const failed = events.find((event) => event.reason === 'ProvisioningFailed');
      const phase = pvc.status?.phase ?? '';
      findings.push(
        finding(
          'audit',
          { kind: 'PersistentVolumeClaim', namespace, name },
          {
            anomaly: `pvc-${phase.toLowerCase()}`,
            summary: `PVC ${name} is ${phase} (storage class ${pvc.spec?.storageClassName ?? '(default)'}): ${failed?.message ?? 'no volume is bound to it'}`,
            confidence: 0.7,
            evidence: [
              {
                source: 'pvc.status',
                message: `phase ${phase}, requested ${pvc.spec?.resources?.requests?.storage ?? '?'}`,
              },
              ...events.slice(0, 3).map(eventEvidence),
            ],
          },
        ),
      );
    }
    return findings;
  },
};
