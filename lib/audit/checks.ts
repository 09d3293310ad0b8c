import type {
  V1CronJob,
  V1Deployment,
  V1Job,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
  V1StorageClass,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

import { condition } from '../detect/k8s-util.ts';
import type { Finding } from './scan.ts';

/**
 * Audit checks for problems no alert of kubernetes-mixin fires for, but that a scan should report:
 * suspended or misconfigured (Cron)Jobs, StatefulSets asking for a storage class that does not
 * exist, ReplicaSets that cannot create pods, HPAs pointing at nothing or scaling pods without
 * requests. Pure: each takes listed objects and returns findings.
 */
function finding(
  kind: string,
  namespace: string | undefined,
  name: string,
  anomaly: string,
  summary: string,
  evidence: string[],
): Finding {
  return {
    key: `${kind}/${namespace ?? ''}/${name}/${anomaly}`,
    detector: 'audit',
    kind,
    namespace,
    name,
    anomaly,
    summary,
    confidence: 0.8,
    evidence: evidence.map((message) => ({ source: kind.toLowerCase(), message })),
  };
}

export function checkJob(job: V1Job): Finding[] {
  if (job.spec?.suspend !== true) return [];
  return [
    finding(
      'Job',
      job.metadata?.namespace,
      job.metadata?.name ?? '',
      'job-suspended',
      `job ${job.metadata?.name ?? ''} is suspended: it runs no pods until resumed`,
      ['spec.suspend: true'],
    ),
  ];
}

export function checkCronJob(cronJob: V1CronJob): Finding[] {
  const name = cronJob.metadata?.name ?? '';
  const namespace = cronJob.metadata?.namespace;
  const findings: Finding[] = [];
  if (cronJob.spec?.suspend === true) {
    findings.push(
      finding(
        'CronJob',
        namespace,
        name,
        'cronjob-suspended',
        `cronjob ${name} is suspended: no new jobs are created`,
        ['spec.suspend: true'],
      ),
    );
  }
  const schedule = cronJob.spec?.schedule ?? '';
  const problem = cronScheduleProblem(schedule);
  if (problem !== undefined) {
    findings.push(
      finding(
        'CronJob',
        namespace,
        name,
        'cronjob-invalid-schedule',
        `cronjob ${name} has an invalid schedule "${schedule}": ${problem}`,
        [`spec.schedule: ${schedule}`],
      ),
    );
  }
  const deadline = cronJob.spec?.startingDeadlineSeconds;
  if (deadline !== undefined && deadline < 0) {
    findings.push(
      finding(
        'CronJob',
        namespace,
        name,
        'cronjob-negative-deadline',
        `cronjob ${name} has a negative startingDeadlineSeconds (${deadline}): no job can start`,
        [`spec.startingDeadlineSeconds: ${deadline}`],
      ),
    );
  }
  return findings;
}

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const FIELDS: readonly { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** Why a five-field cron schedule (or @macro) is invalid, or undefined when it is valid. */
export function cronScheduleProblem(schedule: string): string | undefined {
  const spec = schedule.replace(/^(CRON_)?TZ=\S+\s+/, '').trim();
  if (MACROS.has(spec.toLowerCase())) return undefined;
  const fields = spec.split(/\s+/);
  if (fields.length !== 5) return `expected 5 fields, got ${fields.length}`;
  for (const [index, field] of fields.entries()) {
    const limits = FIELDS[index]!;
    for (const part of field.split(',')) {
      const [range, step] = part.split('/');
      if (step !== undefined && !/^\d+$/.test(step)) return `bad step "${step}" in the ${limits.name} field`;
      if (range === '*' || range === '?') continue;
      for (const value of (range ?? '').split('-')) {
        const numeric = /^\d+$/.test(value);
        if (!numeric && limits.names?.includes(value.toLowerCase()) !== true) {
          return `"${value}" is not valid in the ${limits.name} field`;
        }
        if (numeric && (Number(value) < limits.min || Number(value) > limits.max)) {
          return `${value} is out of range for the ${limits.name} field (${limits.min}–${limits.max})`;
        }
      }
    }
  }
  return undefined;
}

export function checkStatefulSetStorage(sts: V1StatefulSet, classes: readonly V1StorageClass[]): Finding[] {
  const known = new Set(classes.map((storageClass) => storageClass.metadata?.name));
  return (sts.spec?.volumeClaimTemplates ?? [])
    .map((template) => template.spec?.storageClassName)
    .filter((name): name is string => name !== undefined && name !== '' && !known.has(name))
    .map((missing) =>
      finding(
        'StatefulSet',
        sts.metadata?.namespace,
        sts.metadata?.name ?? '',
        'missing-storage-class',
        `statefulset ${sts.metadata?.name ?? ''} claims volumes of storage class ${missing}, which does not exist: its pods cannot start`,
        [`volumeClaimTemplates storageClassName: ${missing}`],
      ),
    );
}

/** A StatefulSet naming a governing Service that does not exist: its pods get no stable DNS names. */
export function checkStatefulSetService(sts: V1StatefulSet, services: readonly V1Service[]): Finding[] {
  const serviceName = sts.spec?.serviceName;
  if (serviceName === undefined || serviceName === '') return [];
  const namespace = sts.metadata?.namespace;
  if (services.some((s) => s.metadata?.name === serviceName && s.metadata.namespace === namespace)) return [];
  return [
    finding(
      'StatefulSet',
      namespace,
      sts.metadata?.name ?? '',
      'missing-governing-service',
      `statefulset ${sts.metadata?.name ?? ''} names governing service ${serviceName}, which does not exist: its pods get no stable network identity (DNS names)`,
      [`spec.serviceName: ${serviceName}`],
    ),
  ];
}

/** ReplicaSets not owned by a Deployment (the Deployment check covers those) that cannot create pods. */
export function checkReplicaSet(rs: V1ReplicaSet): Finding[] {
  if (rs.metadata?.ownerReferences?.some((ref) => ref.controller === true && ref.kind === 'Deployment')) return [];
  const failure = condition(rs.status?.conditions, 'ReplicaFailure');
  if (failure?.status !== 'True') return [];
  return [
    finding(
      'ReplicaSet',
      rs.metadata?.namespace,
      rs.metadata?.name ?? '',
      'replica-failure',
      `replicaset ${rs.metadata?.name ?? ''} cannot create pods: ${failure.message ?? failure.reason ?? ''}`,
      [`ReplicaFailure=True (${failure.reason ?? ''}): ${failure.message ?? ''}`],
    ),
  ];
}

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
      finding(
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
      finding(
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
    finding(
      'HorizontalPodAutoscaler',
      namespace,
      name,
      'hpa-missing-requests',
      `HPA ${name} scales on ${missing.join(', ')} but containers of ${ref.kind} ${ref.name} request none: utilisation cannot be computed`,
      missing.map((resource) => `no ${resource} request in ${ref.kind} ${ref.name}`),
    ),
  ];
}
