import type { V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import type { Detector } from './detector.ts';
import { gone } from './k8s-util.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';

export interface PvcSnapshot {
  namespace: string;
  name: string;
  /** The alert's description (kube-prometheus says how full and how fast). */
  description?: string;
  /** The alert is about inodes (KubePersistentVolumeInodesFillingUp), not bytes. */
  inodes?: boolean;
  pvc: V1PersistentVolumeClaim | null;
  storageClass: V1StorageClass | null;
}

const INODES_ALERT = 'KubePersistentVolumeInodesFillingUp';

export const pvcFilling: Detector<PvcSnapshot, 'volume-filling' | 'inodes-filling' | 'gone'> = {
  name: 'pvc-filling',
  description:
    'KubePersistentVolumeFillingUp, KubePersistentVolumeInodesFillingUp: the volume’s capacity and storage class, whether it runs out of space or of inodes, and whether the class allows expanding it in place.',
  reads: [
    { apiGroup: '', resource: 'persistentvolumeclaims', verbs: ['get'] },
    { apiGroup: 'storage.k8s.io', resource: 'storageclasses', verbs: ['get'] },
  ],
  anomalies: { 'volume-filling': ['volume'], 'inodes-filling': ['volume'], gone: [] },

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'persistentvolumeclaim');
    const pvc = await orNull(kube.read('PersistentVolumeClaim', name, namespace));
    const className = pvc?.spec?.storageClassName;
    const storageClass =
      className === undefined || className === '' ? null : await orNull(kube.read('StorageClass', className));
    const description = alert.annotations.description;
    return {
      namespace,
      name,
      ...(description === undefined ? {} : { description }),
      ...(alert.labels.alertname === INODES_ALERT ? { inodes: true } : {}),
      pvc,
      storageClass,
    };
  },
  settled: ['gone'],

  diagnose: (snapshot) => {
    const target = {
      kind: 'PersistentVolumeClaim',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.pvc?.metadata?.uid,
    };
    const base = { detector: pvcFilling.name, target };
    const { pvc, storageClass } = snapshot;
    if (pvc === null) return gone(base, `PVC ${snapshot.namespace}/${snapshot.name} no longer exists`, 0.8);
    const capacity = pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage ?? 'unknown';
    const className = pvc.spec?.storageClassName ?? '(default)';
    const evidence: Evidence[] = [
      {
        source: 'pvc',
        message: `capacity ${capacity}, storage class ${className}, phase ${pvc.status?.phase ?? 'unknown'}`,
      },
    ];
    if (snapshot.description !== undefined) evidence.push({ source: 'alert', message: snapshot.description });
    const expandable = storageClass?.allowVolumeExpansion === true;
    evidence.push({
      source: 'storageclass',
      message:
        storageClass === null
          ? `storage class ${className} not found`
          : `storage class ${className} (${storageClass.provisioner}) ${expandable ? 'allows' : 'does not allow'} volume expansion`,
    });
    return {
      ...base,
      anomaly: snapshot.inodes === true ? 'inodes-filling' : 'volume-filling',
      summary:
        snapshot.inodes === true
          ? inodesSummary(snapshot.name, capacity, expandable)
          : bytesSummary(snapshot.name, capacity, expandable),
      confidence: 0.8,
      evidence,
      facts: {
        volume: {
          namespace: snapshot.namespace,
          name: snapshot.name,
          uid: pvc.metadata?.uid,
          requested: String(pvc.spec?.resources?.requests?.storage ?? ''),
          ...(pvc.status?.capacity?.storage === undefined ? {} : { capacity: String(pvc.status.capacity.storage) }),
          ...(pvc.spec?.storageClassName === undefined ? {} : { storageClass: pvc.spec.storageClassName }),
          expandable,
        },
      },
    };
  },
};

function bytesSummary(name: string, capacity: string, expandable: boolean): string {
  return expandable
    ? `volume ${name} (${capacity}) is filling up; its storage class allows expanding it in place`
    : `volume ${name} (${capacity}) is filling up and its storage class does not allow expansion: free space or migrate the data to a larger volume`;
}

/** Inodes run out with many small files while space remains; a larger ext4 file system has more. */
function inodesSummary(name: string, capacity: string, expandable: boolean): string {
  const grow = expandable
    ? 'or expand it in place (a larger ext4 file system gets more inodes; XFS allocates them as needed)'
    : 'its storage class does not allow expansion, so migrate to a volume formatted with more inodes';
  return `volume ${name} (${capacity}) is running out of inodes (too many files); delete files it no longer needs, ${grow}`;
}
