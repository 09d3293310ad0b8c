import type { V1Pod } from '@kubernetes/client-node';

import type { Alert } from '../alert/schema.ts';
import { daemonSetHealth } from '../detect/daemonset-health.ts';
import { deploymentHealth } from '../detect/deployment-health.ts';
import { hpaHealth } from '../detect/hpa-health.ts';
import { jobHealth } from '../detect/job-health.ts';
import { condition, selectorString } from '../detect/k8s-util.ts';
import { nodeHealth } from '../detect/node-health.ts';
import { pdbHealth } from '../detect/pdb-health.ts';
import { eventEvidence, podCauses } from '../detect/pod-causes.ts';
import { diagnosePodProblem } from '../detect/pod-problem.ts';
import { quotaHealth } from '../detect/quota-health.ts';
import { quantity } from '../kube/quantity.ts';
import { statefulSetHealth } from '../detect/statefulset-health.ts';
import type { Diagnosis, Evidence } from '../domain/types.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import type { Permission } from '../remediate/remediator.ts';
import type { Kind, KindObjects } from '../kube/kinds.ts';
import {
  checkCronJob,
  checkHpaTarget,
  checkJob,
  checkReplicaSet,
  checkStatefulSetService,
  checkStatefulSetStorage,
} from './checks.ts';

/** What an audit lists, cluster-wide: part of the detector's read-only RBAC. */
export const AUDIT_READS: readonly Permission[] = [
  { apiGroup: '', resource: 'nodes', verbs: ['list'] },
  { apiGroup: '', resource: 'pods', verbs: ['list'] },
  { apiGroup: '', resource: 'persistentvolumeclaims', verbs: ['list'] },
  { apiGroup: '', resource: 'resourcequotas', verbs: ['list'] },
  { apiGroup: '', resource: 'services', verbs: ['list'] },
  { apiGroup: 'apps', resource: 'replicasets', verbs: ['list'] },
  { apiGroup: 'apps', resource: 'deployments', verbs: ['list'] },
  { apiGroup: 'apps', resource: 'statefulsets', verbs: ['list'] },
  { apiGroup: 'apps', resource: 'daemonsets', verbs: ['list'] },
  { apiGroup: 'batch', resource: 'jobs', verbs: ['list'] },
  { apiGroup: 'batch', resource: 'cronjobs', verbs: ['list'] },
  { apiGroup: 'storage.k8s.io', resource: 'storageclasses', verbs: ['list'] },
  { apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verbs: ['list'] },
  { apiGroup: 'policy', resource: 'poddisruptionbudgets', verbs: ['list'] },
];

/** One problem an audit found, keyed so that the same problem in the next audit is recognised. */
export interface Finding {
  key: string;
  detector: string;
  kind: string;
  namespace?: string;
  name: string;
  anomaly: string;
  summary: string;
  confidence: number;
  evidence: Evidence[];
}

export interface ScanOptions {
  /** Only these namespaces (all when empty). */
  namespaces?: readonly string[];
  now: Date;
  /** At most this many objects of each kind are read (memory stays bounded). */
  maxPerKind?: number;
  /** Told of each kind that had more objects than `maxPerKind`: the audit did not see them all. */
  onTruncated?: (kind: Kind, max: number) => void;
  onProgress?: (step: string, done: number, total: number) => void;
}

const MAX_EVENT_READS = 20;

/**
 * Objects of each kind an audit reads by default. `npm run bench:audit-scale` measured the audit
 * function at 10,000 pods reading every object: 284 MiB peak RSS (187 MiB with V8's heap capped at
 * 128 MiB); the function has 1,024 MB.
 */
export const DEFAULT_MAX_PER_KIND = 20_000;

const STEPS: readonly Kind[] = [
  'Node',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'StorageClass',
  'Service',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'ResourceQuota',
  'PersistentVolumeClaim',
];

/**
 * Scans a cluster without an alert: lists each kind once (paginated, bounded), picks the objects
 * that look unhealthy, and asks the same pure `diagnose` functions the alert path uses, with
 * snapshots built from the listed objects. Pods owned by a workload are reported once, through
 * the workload.
 */
export async function scanCluster(kube: KubeApi, options: ScanOptions): Promise<Finding[]> {
  const max = options.maxPerKind ?? DEFAULT_MAX_PER_KIND;
  const listed: Partial<{ [K in Kind]: KindObjects[K][] }> = {};
  for (const [index, kind] of STEPS.entries()) {
    options.onProgress?.(kind, index, STEPS.length);
    const items = await kube.list(kind, { max });
    if (items.length >= max) options.onTruncated?.(kind, max);
    (listed as Record<Kind, unknown[]>)[kind] = inScope(items, options.namespaces);
  }
  options.onProgress?.('diagnose', STEPS.length, STEPS.length);
  const get = <K extends Kind>(kind: K) => listed[kind] ?? [];
  const pods = get('Pod');
  const findings: Finding[] = [];
  const add = (diagnosis: Diagnosis) => {
    if (
      ['recovered', 'gone', 'rollout-converging', 'replicas-mismatch'].includes(diagnosis.anomaly) &&
      diagnosis.confidence < 0.5
    )
      return;
    findings.push({
      key: `${diagnosis.target.kind}/${diagnosis.target.namespace ?? ''}/${diagnosis.target.name}/${diagnosis.anomaly}`,
      detector: diagnosis.detector,
      kind: diagnosis.target.kind,
      namespace: diagnosis.target.namespace,
      name: diagnosis.target.name,
      anomaly: diagnosis.anomaly,
      summary: diagnosis.summary,
      confidence: diagnosis.confidence,
      evidence: diagnosis.evidence,
    });
  };
  const alert = (labels: Record<string, string>): Alert => ({
    status: 'firing',
    labels: Object.assign(Object.create(null) as Record<string, string>, { alertname: 'KubemendAudit', ...labels }),
    annotations: Object.create(null) as Record<string, string>,
    startsAt: options.now.toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: 'audit',
  });
  const podsMatching = (namespace: string | undefined, selector: string) => {
    const wanted = selector
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('='));
    return pods
      .filter((pod) => pod.metadata?.namespace === namespace)
      .filter((pod) => wanted.every(([key, value]) => key !== undefined && pod.metadata?.labels?.[key] === value))
      .map((pod) => ({ pod, events: [] }));
  };

  for (const node of get('Node')) {
    const ready = condition(node.status?.conditions, 'Ready');
    const pressure = (node.status?.conditions ?? []).some((c) => c.type.endsWith('Pressure') && c.status === 'True');
    if (ready?.status !== 'True' || pressure) {
      const name = node.metadata?.name ?? '';
      add(
        nodeHealth.diagnose(
          alert({ node: name }),
          { name, node, pods: pods.filter((p) => p.spec?.nodeName === name) },
          options.now,
        ),
      );
    }
  }

  for (const deployment of get('Deployment')) {
    const desired = deployment.spec?.replicas ?? 1;
    const stuck = condition(deployment.status?.conditions, 'Progressing')?.reason === 'ProgressDeadlineExceeded';
    const lagging = (deployment.status?.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 0);
    if ((deployment.status?.availableReplicas ?? 0) >= desired && !stuck && !lagging) continue;
    const namespace = deployment.metadata?.namespace ?? '';
    const selector = selectorString(deployment.spec?.selector);
    const replicaSets = get('ReplicaSet').filter((rs) =>
      rs.metadata?.ownerReferences?.some((ref) => ref.uid === deployment.metadata?.uid),
    );
    const newest = [...replicaSets].sort(
      (a, b) =>
        Number(b.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0) -
        Number(a.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
    )[0];
    const hash = newest?.metadata?.labels?.['pod-template-hash'];
    add(
      deploymentHealth.diagnose(
        alert({ namespace, deployment: deployment.metadata?.name ?? '' }),
        {
          namespace,
          name: deployment.metadata?.name ?? '',
          deployment,
          replicaSets,
          pods: hash === undefined ? [] : podsMatching(namespace, `${selector},pod-template-hash=${hash}`),
        },
        options.now,
      ),
    );
  }

  for (const sts of get('StatefulSet')) {
    const behind = (sts.status?.readyReplicas ?? 0) < (sts.spec?.replicas ?? 1);
    const updating = sts.status?.currentRevision !== sts.status?.updateRevision;
    if (!behind && !updating) continue;
    const namespace = sts.metadata?.namespace ?? '';
    add(
      statefulSetHealth.diagnose(
        alert({ namespace, statefulset: sts.metadata?.name ?? '' }),
        {
          namespace,
          name: sts.metadata?.name ?? '',
          statefulSet: sts,
          pods: podsMatching(namespace, selectorString(sts.spec?.selector)),
        },
        options.now,
      ),
    );
  }

  for (const ds of get('DaemonSet')) {
    const status = ds.status;
    if ((status?.numberReady ?? 0) >= (status?.desiredNumberScheduled ?? 0) && (status?.numberMisscheduled ?? 0) === 0)
      continue;
    const namespace = ds.metadata?.namespace ?? '';
    add(
      daemonSetHealth.diagnose(
        alert({ namespace, daemonset: ds.metadata?.name ?? '' }),
        {
          namespace,
          name: ds.metadata?.name ?? '',
          daemonSet: ds,
          pods: podsMatching(namespace, selectorString(ds.spec?.selector)),
          nodes: get('Node'),
        },
        options.now,
      ),
    );
  }

  for (const job of get('Job')) findings.push(...checkJob(job));
  for (const cronJob of get('CronJob')) findings.push(...checkCronJob(cronJob));
  for (const sts of get('StatefulSet')) {
    findings.push(
      ...checkStatefulSetStorage(sts, get('StorageClass')),
      ...checkStatefulSetService(sts, get('Service')),
    );
  }
  for (const rs of get('ReplicaSet')) findings.push(...checkReplicaSet(rs));
  for (const hpa of get('HorizontalPodAutoscaler')) {
    findings.push(
      ...checkHpaTarget(hpa, {
        deployments: get('Deployment'),
        statefulSets: get('StatefulSet'),
        replicaSets: get('ReplicaSet'),
      }),
    );
  }

  for (const job of get('Job')) {
    if (condition(job.status?.conditions, 'Failed')?.status !== 'True') continue;
    const namespace = job.metadata?.namespace ?? '';
    const name = job.metadata?.name ?? '';
    add(
      jobHealth.diagnose(
        alert({ namespace, job_name: name }),
        { namespace, name, job, pods: podsMatching(namespace, `job-name=${name}`).map((p) => p.pod), events: [] },
        options.now,
      ),
    );
  }

  for (const hpa of get('HorizontalPodAutoscaler')) {
    const cannot = (hpa.status?.conditions ?? []).some(
      (c) => (c.type === 'ScalingActive' || c.type === 'AbleToScale') && c.status === 'False',
    );
    const maxed =
      (hpa.status?.currentReplicas ?? 0) >= (hpa.spec?.maxReplicas ?? Infinity) &&
      (hpa.status?.desiredReplicas ?? 0) > (hpa.spec?.maxReplicas ?? Infinity);
    if (!cannot && !maxed) continue;
    const namespace = hpa.metadata?.namespace ?? '';
    add(
      hpaHealth.diagnose(
        alert({ namespace, horizontalpodautoscaler: hpa.metadata?.name ?? '' }),
        { namespace, name: hpa.metadata?.name ?? '', hpa },
        options.now,
      ),
    );
  }

  for (const pdb of get('PodDisruptionBudget')) {
    if ((pdb.status?.currentHealthy ?? 0) >= (pdb.status?.desiredHealthy ?? 0) && (pdb.status?.expectedPods ?? 1) > 0)
      continue;
    const namespace = pdb.metadata?.namespace ?? '';
    add(
      pdbHealth.diagnose(
        alert({ namespace, poddisruptionbudget: pdb.metadata?.name ?? '' }),
        {
          namespace,
          name: pdb.metadata?.name ?? '',
          pdb,
          pods: podsMatching(namespace, selectorString(pdb.spec?.selector)),
        },
        options.now,
      ),
    );
  }

  for (const quota of get('ResourceQuota')) {
    const hard = quota.status?.hard ?? {};
    const used = quota.status?.used ?? {};
    if (!Object.keys(hard).some((resource) => quantity(used[resource] ?? '0') >= quantity(hard[resource] ?? '0')))
      continue;
    const namespace = quota.metadata?.namespace ?? '';
    add(
      quotaHealth.diagnose(
        alert({ namespace, resourcequota: quota.metadata?.name ?? '' }),
        { namespace, name: quota.metadata?.name ?? '', quota },
        options.now,
      ),
    );
  }

  const pending = get('PersistentVolumeClaim').filter(
    (pvc) => pvc.status?.phase === 'Pending' || pvc.status?.phase === 'Lost',
  );
  for (const [index, pvc] of pending.entries()) {
    const namespace = pvc.metadata?.namespace ?? '';
    const name = pvc.metadata?.name ?? '';
    // The provisioner's own words, for the first few (one request each).
    const events =
      index < MAX_EVENT_READS ? await kube.listWarningEvents(namespace, { kind: 'PersistentVolumeClaim', name }) : [];
    const failed = events.find((event) => event.reason === 'ProvisioningFailed');
    const phase = pvc.status?.phase ?? '';
    findings.push({
      key: `PersistentVolumeClaim/${namespace}/${name}/pvc-${phase.toLowerCase()}`,
      detector: 'audit',
      kind: 'PersistentVolumeClaim',
      namespace,
      name,
      anomaly: `pvc-${phase.toLowerCase()}`,
      summary: `PVC ${name} is ${phase} (storage class ${pvc.spec?.storageClassName ?? '(default)'}): ${failed?.message ?? 'no volume is bound to it'}`,
      confidence: 0.7,
      evidence: [
        { source: 'pvc.status', message: `phase ${phase}, requested ${pvc.spec?.resources?.requests?.storage ?? '?'}` },
        ...events.slice(0, 3).map(eventEvidence),
      ],
    });
  }

  // Pods with no workload controller the scans above cover (bare pods, or owned by kinds this
  // audit does not read), reported one by one.
  for (const pod of pods) {
    // Evicted pods linger after their replacement runs: report them whoever owns them.
    const evicted = pod.status?.reason === 'Evicted';
    if ((!evicted && ownedByScannedWorkload(pod)) || podCauses(pod, []).length === 0) continue;
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    add(
      diagnosePodProblem('pod-not-ready', alert({ namespace, pod: name }), {
        namespace,
        podName: name,
        pod,
        events: [],
        replicaSet: null,
        deployment: null,
        replicaSets: [],
      }),
    );
  }

  return findings.sort((a, b) => a.key.localeCompare(b.key));
}

function inScope<T extends { metadata?: { namespace?: string } }>(
  items: T[],
  namespaces: readonly string[] | undefined,
): T[] {
  if (namespaces === undefined || namespaces.length === 0) return items;
  return items.filter((item) => item.metadata?.namespace === undefined || namespaces.includes(item.metadata.namespace));
}

function ownedByScannedWorkload(pod: V1Pod): boolean {
  const owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  return owner !== undefined && ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'].includes(owner.kind);
}
