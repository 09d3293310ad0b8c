/**
 * What a ResourceQuota's hard limit on one resource gates: the creates the API server's quota
 * admission refuses in the namespace once the resource is used up, in words (`new
 * PersistentVolumeClaims`), and whether they are pods (so rollouts, scale-ups and Job runs that
 * need new pods fail too). One table for every resource name a quota accepts: object counts
 * (`pods`, `services`, `count/<resource>.<group>`), storage (`requests.storage`, per
 * StorageClass), compute (`cpu`, `requests.memory`, `limits.cpu`, …), hugepages and extended
 * resources (`requests.nvidia.com/gpu`). Pure.
 */
export interface QuotaGate {
  refused: string;
  pods: boolean;
}

/** Object counts a quota names without `count/` (the core kinds it has always counted). */
const CORE_COUNTS: Readonly<Record<string, string>> = {
  pods: 'pods',
  services: 'Services',
  'services.loadbalancers': 'Services of type LoadBalancer',
  'services.nodeports': 'Services that allocate node ports (NodePort, LoadBalancer)',
  persistentvolumeclaims: 'PersistentVolumeClaims',
  configmaps: 'ConfigMaps',
  secrets: 'Secrets',
  replicationcontrollers: 'ReplicationControllers',
  resourcequotas: 'ResourceQuotas',
};

/** `count/<resource>.<group>` for the built-in kinds, by their names. */
const GROUP_COUNTS: Readonly<Record<string, string>> = {
  'deployments.apps': 'Deployments',
  'replicasets.apps': 'ReplicaSets',
  'statefulsets.apps': 'StatefulSets',
  'daemonsets.apps': 'DaemonSets',
  'jobs.batch': 'Jobs',
  'cronjobs.batch': 'CronJobs',
  'horizontalpodautoscalers.autoscaling': 'HorizontalPodAutoscalers',
  'poddisruptionbudgets.policy': 'PodDisruptionBudgets',
  'ingresses.networking.k8s.io': 'Ingresses',
  'networkpolicies.networking.k8s.io': 'NetworkPolicies',
};

/** Compute resources, by their names in a pod's requests and limits. */
const COMPUTE: Readonly<Record<string, string>> = {
  cpu: 'CPU',
  memory: 'memory',
  'ephemeral-storage': 'ephemeral storage',
};

const STORAGE_CLASS = /^(.+)\.storageclass\.storage\.k8s\.io\/(requests\.storage|persistentvolumeclaims)$/;

export function quotaGate(resource: string): QuotaGate {
  const core = CORE_COUNTS[resource] ?? CORE_COUNTS[resource.replace(/^count\//, '')];
  if (core !== undefined) return { refused: `new ${core}`, pods: core === 'pods' };
  if (resource.startsWith('count/')) {
    const counted = resource.slice('count/'.length);
    return { refused: `new ${GROUP_COUNTS[counted] ?? `${counted} objects`}`, pods: false };
  }
  if (resource === 'requests.storage') {
    return {
      refused: 'new PersistentVolumeClaims that request storage (and expansions of existing ones)',
      pods: false,
    };
  }
  const byClass = STORAGE_CLASS.exec(resource);
  if (byClass !== null) {
    const what = byClass[2] === 'persistentvolumeclaims' ? '' : ' that request storage (and expansions)';
    return { refused: `new PersistentVolumeClaims of StorageClass ${byClass[1] ?? ''}${what}`, pods: false };
  }
  return podGate(resource);
}

/** A pod's compute, hugepages or extended resource: requests (the bare name too) or limits. */
function podGate(resource: string): QuotaGate {
  const [, kind, name = resource] = /^(requests|limits)\.(.+)$/.exec(resource) ?? [];
  const what = COMPUTE[name] ?? name;
  if (kind === 'limits') return { refused: `new pods that limit ${what}`, pods: true };
  if (kind === 'requests' || COMPUTE[name] !== undefined || name.startsWith('hugepages-')) {
    return { refused: `new pods that request ${what}`, pods: true };
  }
  return { refused: `new objects that use ${resource}`, pods: false };
}
