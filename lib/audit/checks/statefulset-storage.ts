import type { V1StatefulSet, V1StorageClass } from '@kubernetes/client-node';

import type { Finding } from '../finding.ts';
import { auditFinding, type AuditCheck } from './check.ts';

/** A StatefulSet claiming volumes of a storage class that does not exist: its pods cannot start. */
export function checkStatefulSetStorage(sts: V1StatefulSet, classes: readonly V1StorageClass[]): Finding[] {
  const known = new Set(classes.map((storageClass) => storageClass.metadata?.name));
  return (sts.spec?.volumeClaimTemplates ?? [])
    .map((template) => template.spec?.storageClassName)
    .filter((name): name is string => name !== undefined && name !== '' && !known.has(name))
    .map((missing) =>
      auditFinding(
        'StatefulSet',
        sts.metadata?.namespace,
        sts.metadata?.name ?? '',
        'missing-storage-class',
        `statefulset ${sts.metadata?.name ?? ''} claims volumes of storage class ${missing}, which does not exist: its pods cannot start`,
        [`volumeClaimTemplates storageClassName: ${missing}`],
      ),
    );
}

export const statefulSetStorage: AuditCheck = {
  name: 'statefulset-storage',
  description: 'StatefulSets claiming volumes of a storage class that does not exist.',
  lists: ['StatefulSet', 'StorageClass'],
  // Storage classes are few and stream first: a StatefulSet is kept only when one it names is missing.
  keeps: (kept) => ({
    StorageClass: () => true,
    StatefulSet: (sts) => checkStatefulSetStorage(sts, kept.of('StorageClass')).length > 0,
  }),
  check: (listing) =>
    listing.of('StatefulSet').flatMap((sts) => checkStatefulSetStorage(sts, listing.of('StorageClass'))),
};
