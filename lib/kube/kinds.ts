import type {
  CoreV1Event,
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1ReplicaSet,
  V1ResourceQuota,
  V1Service,
  V1StatefulSet,
  V1StorageClass,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

/**
 * The kinds kubemend reads generically, with their API version, their resource (the plural in
 * request paths, so no discovery request is needed) and whether they are namespaced.
 */
export const KINDS = {
  Pod: { apiVersion: 'v1', resource: 'pods', namespaced: true },
  Node: { apiVersion: 'v1', resource: 'nodes', namespaced: false },
  PersistentVolumeClaim: { apiVersion: 'v1', resource: 'persistentvolumeclaims', namespaced: true },
  ResourceQuota: { apiVersion: 'v1', resource: 'resourcequotas', namespaced: true },
  Service: { apiVersion: 'v1', resource: 'services', namespaced: true },
  ReplicaSet: { apiVersion: 'apps/v1', resource: 'replicasets', namespaced: true },
  Deployment: { apiVersion: 'apps/v1', resource: 'deployments', namespaced: true },
  StatefulSet: { apiVersion: 'apps/v1', resource: 'statefulsets', namespaced: true },
  DaemonSet: { apiVersion: 'apps/v1', resource: 'daemonsets', namespaced: true },
  Job: { apiVersion: 'batch/v1', resource: 'jobs', namespaced: true },
  CronJob: { apiVersion: 'batch/v1', resource: 'cronjobs', namespaced: true },
  HorizontalPodAutoscaler: { apiVersion: 'autoscaling/v2', resource: 'horizontalpodautoscalers', namespaced: true },
  PodDisruptionBudget: { apiVersion: 'policy/v1', resource: 'poddisruptionbudgets', namespaced: true },
  StorageClass: { apiVersion: 'storage.k8s.io/v1', resource: 'storageclasses', namespaced: false },
  Event: { apiVersion: 'v1', resource: 'events', namespaced: true },
} as const;

export type Kind = keyof typeof KINDS;

export interface KindObjects {
  Pod: V1Pod;
  Node: V1Node;
  PersistentVolumeClaim: V1PersistentVolumeClaim;
  ResourceQuota: V1ResourceQuota;
  Service: V1Service;
  ReplicaSet: V1ReplicaSet;
  Deployment: V1Deployment;
  StatefulSet: V1StatefulSet;
  DaemonSet: V1DaemonSet;
  Job: V1Job;
  CronJob: V1CronJob;
  HorizontalPodAutoscaler: V2HorizontalPodAutoscaler;
  PodDisruptionBudget: V1PodDisruptionBudget;
  StorageClass: V1StorageClass;
  Event: CoreV1Event;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** At most this many objects are returned (memory stays bounded on large clusters). */
  max?: number;
}

/** kubectl's short names for the kinds (`kubectl api-resources`). */
const SHORT_NAMES: Readonly<Record<string, Kind>> = {
  po: 'Pod',
  no: 'Node',
  pvc: 'PersistentVolumeClaim',
  quota: 'ResourceQuota',
  svc: 'Service',
  rs: 'ReplicaSet',
  deploy: 'Deployment',
  sts: 'StatefulSet',
  ds: 'DaemonSet',
  cj: 'CronJob',
  hpa: 'HorizontalPodAutoscaler',
  pdb: 'PodDisruptionBudget',
  sc: 'StorageClass',
  ev: 'Event',
};

/**
 * The kind a name means, as kubectl reads it: the kind (`Deployment`, any case), its resource
 * (`deployments`), the singular of that (`deployment`) or its short name (`deploy`).
 */
export function kindNamed(text: string): Kind | undefined {
  const wanted = text.toLowerCase();
  const short = SHORT_NAMES[wanted];
  if (short !== undefined) return short;
  return (Object.keys(KINDS) as Kind[]).find((kind) => {
    const { resource } = KINDS[kind];
    return kind.toLowerCase() === wanted || resource === wanted || resource.replace(/s$/, '') === wanted;
  });
}
