import type { SceneContext } from '../testenv/scenes.ts';

/**
 * What an SRE would conclude from each alert a scene raises (tests/testenv/scenes.ts): the
 * anomaly, what the summary and the evidence must name, what they must not claim, and the plan
 * under the shipped configuration (dry-run) or, with no plan, the fix kubemend suggests.
 */
export interface Expected {
  alert: string;
  /** Labels the alert carries besides the scene's namespace (a node alert: its node). */
  where?: (ctx: SceneContext) => Record<string, string>;
  /** How many alert instances (records); default 1. */
  count?: number;
  /** Judged when it fires; it need not (it depends on timing the scene does not pin down). */
  optional?: boolean;
  anomaly: string;
  says?: RegExp[];
  evidence?: RegExp[];
  never?: RegExp[];
  /** The planned fix (recorded as `result`, default dry-run); absent: no plan, `no-action`. */
  plan?: string;
  result?: string;
  why?: RegExp;
  suggested?: string;
}

const NOT_RECOVERED = /recovered|ready now|may still be converging/i;

export const EXPECTED: Record<string, readonly Expected[]> = {
  'crash-loop': [
    {
      alert: 'KubePodCrashLooping',
      count: 2,
      anomaly: 'crash-loop',
      says: [/web/, /exit code 1|exit 1|exited 1/i],
      plan: 'rollout-restart',
    },
    { alert: 'KubePodNotReady', count: 2, optional: true, anomaly: 'app-crash', says: [/web/] },
    { alert: 'KubeDeploymentReplicasMismatch', optional: true, anomaly: 'app-crash', says: [/web/] },
  ],
  oom: [
    { alert: 'KubePodCrashLooping', anomaly: 'oom-killed', says: [/OOM|memory/i, /64Mi/], plan: 'raise-memory' },
    { alert: 'KubePodNotReady', optional: true, anomaly: 'oom-killed', says: [/64Mi|memory/i] },
    { alert: 'KubeDeploymentReplicasMismatch', optional: true, anomaly: 'oom-killed' },
  ],
  'bad-image': [
    { alert: 'KubeContainerWaiting', anomaly: 'bad-image', says: [/9\.9-typo/] },
    { alert: 'KubePodNotReady', optional: true, anomaly: 'bad-image', says: [/9\.9-typo/] },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'bad-image', says: [/9\.9-typo/] },
  ],
  'config-error': [
    { alert: 'KubeContainerWaiting', anomaly: 'config-error', says: [/worker-settings/] },
    { alert: 'KubePodNotReady', optional: true, anomaly: 'config-error', says: [/worker-settings/] },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'config-error', says: [/worker-settings/] },
  ],
  'bad-rollout': [
    { alert: 'KubePodCrashLooping', anomaly: 'bad-rollout', says: [/shop:1\.1|1\.0.*1\.1/] },
    {
      alert: 'KubeDeploymentRolloutStuck',
      anomaly: 'app-crash',
      says: [/shop:1\.1|1\.0.*1\.1/],
      plan: 'rollout-undo',
    },
    { alert: 'KubePodNotReady', optional: true, anomaly: 'app-crash' },
  ],
  probe: [
    { alert: 'KubePodNotReady', anomaly: 'probe-failure', says: [/search/], evidence: [/Ready|readiness/i] },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'probe-failure', says: [/search/] },
  ],
  unschedulable: [
    {
      alert: 'KubePodNotReady',
      anomaly: 'unschedulable',
      says: [/node|schedul/i],
      evidence: [/disktype|selector|affinity/i],
    },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'unschedulable' },
  ],
  'bare-pod': [{ alert: 'KubePodCrashLooping', anomaly: 'crash-loop', says: [/debug/], why: /bare|controller|owner/i }],
  'job-failed': [
    { alert: 'KubeJobFailed', anomaly: 'BackoffLimitExceeded', says: [/report/, /exit code 2|exited 2|code 2/i] },
  ],
  'job-slow': [{ alert: 'KubeJobNotCompleted', anomaly: 'job-not-completed', says: [/backfill/] }],
  'hpa-max': [{ alert: 'KubeHpaMaxedOut', anomaly: 'hpa-maxed-out', says: [/frontend/, /2/], plan: 'raise-hpa-max' }],
  'sts-ordinal': [
    {
      alert: 'KubeStatefulSetReplicasMismatch',
      anomaly: 'app-crash',
      says: [/db-1/, /db-2/],
    },
    { alert: 'KubePodCrashLooping', anomaly: 'crash-loop', says: [/db-1/], plan: 'delete-pod' },
    { alert: 'KubePodNotReady', optional: true, anomaly: 'app-crash', says: [/db-1/] },
  ],
  'sts-partition': [
    { alert: 'KubeStatefulSetUpdateNotRolledOut', anomaly: 'update-partitioned', says: [/partition/i, /2/] },
  ],
  'ds-refused': [
    {
      alert: 'KubeDaemonSetNotScheduled',
      anomaly: 'create-refused',
      says: [/PodSecurity/, /restricted/],
      never: [/gpu/],
    },
    { alert: 'KubeDaemonSetRolloutStuck', anomaly: 'create-refused', says: [/PodSecurity/], never: [/gpu/] },
  ],
  'ds-misscheduled': [
    {
      alert: 'KubeDaemonSetMisScheduled',
      anomaly: 'misscheduled',
      where: () => ({}),
      says: [/dedicated=db/],
    },
    { alert: 'KubeDaemonSetRolloutStuck', optional: true, anomaly: 'misscheduled', says: [/dedicated=db/] },
  ],
  'ds-crash': [
    { alert: 'KubeDaemonSetRolloutStuck', anomaly: 'app-crash', says: [/metrics-agent/] },
    { alert: 'KubePodCrashLooping', anomaly: 'crash-loop', says: [/metrics-agent/], plan: 'delete-pod' },
  ],
  'lost-node': [
    {
      alert: 'KubeNodeUnreachable',
      where: (ctx) => ({ node: ctx.node('n') }),
      anomaly: 'node-unreachable',
      says: [/lost-node-n/],
      suggested: 'drain-node',
    },
    {
      alert: 'KubeNodeNotReady',
      where: (ctx) => ({ node: ctx.node('n') }),
      anomaly: 'node-unreachable',
      says: [/lost-node-n/],
      suggested: 'drain-node',
    },
    { alert: 'KubePodNotReady', count: 2, anomaly: 'node-lost', says: [/lost-node-n/], never: [NOT_RECOVERED] },
    {
      alert: 'KubeDeploymentReplicasMismatch',
      anomaly: 'node-lost',
      says: [/lost-node-n/],
      never: [NOT_RECOVERED],
    },
  ],
  'node-pressure': [
    {
      alert: 'KubeNodePressure',
      where: (ctx) => ({ node: ctx.node('p') }),
      anomaly: 'node-pressure',
      says: [/MemoryPressure|memory/i],
    },
  ],
  'quota-pods': [
    { alert: 'KubeQuotaFullyUsed', anomaly: 'quota-exhausted', says: [/2 of 2 pods|pods.*2.*2/i, /pods/] },
  ],
  'quota-pvc': [
    {
      alert: 'KubeQuotaFullyUsed',
      anomaly: 'quota-exhausted',
      says: [/persistentvolumeclaims/i, /PersistentVolumeClaims/],
      never: [/new pods/i],
    },
  ],
  'quota-almost': [{ alert: 'KubeQuotaAlmostFull', anomaly: 'quota-high', says: [/requests\.cpu/, /950m/] }],
  'quota-over': [{ alert: 'KubeQuotaExceeded', anomaly: 'quota-exhausted', says: [/2 of 1|over|above/i] }],
  pdb: [
    { alert: 'KubePdbNotEnoughHealthyPods', anomaly: 'probe-failure', says: [/ledger/] },
    { alert: 'KubePodNotReady', count: 2, optional: true, anomaly: 'probe-failure' },
    { alert: 'KubeDeploymentReplicasMismatch', optional: true, anomaly: 'probe-failure' },
  ],
  'volume-full': [
    {
      alert: 'KubePersistentVolumeFillingUp',
      anomaly: 'volume-filling',
      says: [/data/, /10Gi/],
      plan: 'expand-pvc',
    },
  ],
  'inodes-full': [{ alert: 'KubePersistentVolumeInodesFillingUp', anomaly: 'volume-filling', says: [/inode/i] }],
  throttled: [{ alert: 'CPUThrottlingHigh', anomaly: 'cpu-throttled', says: [/render/, /200m/] }],
  healthy: [],
};
