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
  pvc: V1PersistentVolumeClaim | null;
  storageClass: V1StorageClass | null;
}

export const pvcFilling: Detector<PvcSnapshot, 'volume-filling' | 'gone'> = {
  name: 'pvc-filling',
  description:
    'KubePersistentVolumeFillingUp: the volume’s capacity and storage class, and whether the class allows expanding it in place.',
  reads: [
    { apiGroup: '', resource: 'persistentvolumeclaims', verbs: ['get'] },
    { apiGroup: 'storage.k8s.io', resource: 'storageclasses', verbs: ['get'] },
  ],
  anomalies: { 'volume-filling': ['volume'], gone: [] },

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'persistentvolumeclaim');
    const pvc = await orNull(kube.read('PersistentVolumeClaim', name, namespace));
    const className = pvc?.spec?.storageClassName;
    const storageClass =
      className === undefined || className === '' ? null : await orNull(kube.read('StorageClass', className));
    const description = alert.annotations.description;
    return { namespace, name, ...(description === undefined ? {} : { description }), pvc, storageClass };
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
      anomaly: 'volume-filling',
      summary: expandable
        ? `volume ${snapshot.name} (${capacity}) is filling up; its storage class allows expanding it in place`
        : `volume ${snapshot.name} (${capacity}) is filling up and its storage class does not allow expansion: free space or migrate the data to a larger volume`,
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
