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
  /** The diagnosis's target, as `Kind/name`. */
  target?: RegExp;
  says?: RegExp[];
  evidence?: RegExp[];
  never?: RegExp[];
  /** The planned fix (recorded as `result`, default dry-run); absent: no plan, `no-action`. */
  plan?: string;
  result?: string;
  why?: RegExp;
  /** The fix suggested (not enabled by the rule); absent: none. */
  suggested?: string;
}

const NOT_RECOVERED = /recovered|ready now|may still be converging/i;
/** A pod's own record: the pod is the target, its container and cause in the summary. */
const pod = (name: string) => new RegExp(`^Pod/${name}`);
const CRASHES = /keeps exiting with code 1 \(Error\)|exits with code 1 \(Error\)/;

export const EXPECTED: Record<string, readonly Expected[]> = {
  'crash-loop': [
    // Rolled out, then crashing: a fresh set of pods may clear it, so the Deployment restarts.
    {
      alert: 'KubePodCrashLooping',
      count: 2,
      anomaly: 'crash-loop',
      target: /^Deployment\/web$/,
      says: [CRASHES],
      plan: 'rollout-restart',
    },
    { alert: 'KubePodNotReady', count: 2, anomaly: 'app-crash', target: pod('web-'), says: [CRASHES] },
    {
      alert: 'KubeDeploymentReplicasMismatch',
      anomaly: 'app-crash',
      target: /^Deployment\/web$/,
      says: [/2 of 2 pods/, CRASHES],
      why: /no Deployment rollout to roll back/,
    },
  ],
  'first-revision': [
    // Its only revision crashes: a restart would not help and there is nothing to roll back to.
    {
      alert: 'KubePodCrashLooping',
      count: 2,
      anomaly: 'bad-rollout',
      target: /^Deployment\/billing$/,
      says: [/first revision, so there is nothing to roll back to/],
    },
    { alert: 'KubePodNotReady', count: 2, anomaly: 'app-crash', target: pod('billing-'), says: [CRASHES] },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'app-crash', says: [CRASHES] },
  ],
  oom: [
    {
      alert: 'KubePodCrashLooping',
      anomaly: 'oom-killed',
      target: pod('cache-'),
      says: [/memory limit \(64Mi\)/, /a restart would not help/],
      evidence: [/OOMKilled, exit code 137/],
      plan: 'raise-memory',
    },
    {
      alert: 'KubePodNotReady',
      anomaly: 'oom-killed',
      target: pod('cache-'),
      says: [/64Mi/],
      suggested: 'raise-memory',
    },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'oom-killed', says: [/64Mi/] },
  ],
  'bad-image': [
    {
      alert: 'KubeContainerWaiting',
      anomaly: 'bad-image',
      target: pod('api-'),
      says: [/cannot pull image registry\.example\/api:9\.9-typo/],
    },
    { alert: 'KubePodNotReady', anomaly: 'bad-image', says: [/9\.9-typo/] },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'bad-image', says: [/9\.9-typo/] },
  ],
  'config-error': [
    {
      alert: 'KubeContainerWaiting',
      anomaly: 'config-error',
      target: pod('worker-'),
      says: [/configmap "worker-settings" not found/],
    },
    { alert: 'KubePodNotReady', anomaly: 'config-error', says: [/worker-settings/] },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'config-error', says: [/worker-settings/] },
  ],
  'bad-rollout': [
    // Both records of the one cause name what the new revision changed and where to go back.
    {
      alert: 'KubePodCrashLooping',
      anomaly: 'bad-rollout',
      says: [/shop:1\.0 → registry\.example\/shop:1\.1/, /roll back to revision 1/],
      evidence: [/^revision 2 .* changed: /],
    },
    {
      alert: 'KubeDeploymentRolloutStuck',
      anomaly: 'app-crash',
      says: [/shop:1\.0 → registry\.example\/shop:1\.1/, /roll back to revision 1/],
      evidence: [/ProgressDeadlineExceeded/],
      plan: 'rollout-undo',
      // The shipped admission policy admits a rollback only where an admin labelled the namespace
      // kubemend.io/allow-rollback=true; the API server refuses even the dry-run elsewhere.
      result: 'refused',
      why: /^admission refused the rollout-undo .*kubemend-remediator-writes.*allow-rollback=true/,
    },
    { alert: 'KubePodNotReady', anomaly: 'app-crash', says: [/shop:1\.0 → registry\.example\/shop:1\.1/] },
  ],
  probe: [
    {
      alert: 'KubePodNotReady',
      anomaly: 'probe-failure',
      target: pod('search-'),
      says: [/runs but is not ready/],
      evidence: [/Ready=False/, /running since .* but not ready/, /on node kwok-node-0/],
    },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'probe-failure', says: [/runs but is not ready/] },
  ],
  unschedulable: [
    {
      alert: 'KubePodNotReady',
      anomaly: 'unschedulable',
      target: pod('gpu-'),
      says: [/scheduler finds no node/, /node affinity\/selector/],
      evidence: [/FailedScheduling/],
    },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'unschedulable', says: [/scheduler finds no node/] },
  ],
  'bare-pod': [
    {
      alert: 'KubePodCrashLooping',
      anomaly: 'crash-loop',
      target: /^Pod\/debug$/,
      says: [/no controller, so deleting it would lose it/],
      why: /delete-pod: the pod has no controller/,
    },
    { alert: 'KubePodNotReady', anomaly: 'app-crash', target: /^Pod\/debug$/, says: [CRASHES] },
  ],
  'job-failed': [
    // Failed by its own code: a re-run would fail again, so retry-job (the shipped fix) declines.
    {
      alert: 'KubeJobFailed',
      anomaly: 'BackoffLimitExceeded',
      target: /^Job\/report$/,
      says: [/backoffLimit 0/, /exit code 2/],
      why: /a re-run would fail again/,
    },
  ],
  'job-slow': [
    {
      alert: 'KubeJobNotCompleted',
      anomaly: 'job-not-completed',
      target: /^Job\/backfill$/,
      says: [/without completing \(1 active/],
      evidence: [/^started /, /is Running since/],
    },
  ],
  'hpa-max': [
    {
      alert: 'KubeHpaMaxedOut',
      anomaly: 'hpa-maxed-out',
      says: [/ceiling of 2 replicas/, /cpu at 4\d\d% of requests against a 50% target would take about (1[5-9]|20)/],
      plan: 'raise-hpa-max',
    },
  ],
  'sts-ordinal': [
    {
      alert: 'KubeStatefulSetReplicasMismatch',
      anomaly: 'app-crash',
      target: /^StatefulSet\/db$/,
      says: [/^db-1 is not ready .*so db-2 waits behind it/],
      evidence: [/OrderedReady/, /1 of 3 ready/],
    },
    {
      alert: 'KubePodCrashLooping',
      anomaly: 'crash-loop',
      target: /^Pod\/db-1$/,
      says: [/StatefulSet db/],
      plan: 'delete-pod',
    },
    { alert: 'KubePodNotReady', anomaly: 'app-crash', target: /^Pod\/db-1$/, says: [CRASHES] },
  ],
  'sts-refused': [
    {
      alert: 'KubeStatefulSetReplicasMismatch',
      anomaly: 'create-refused',
      target: /^StatefulSet\/cache$/,
      says: [
        /has 0 of 2 pods because PodSecurity admission \(restricted:latest\) refused to create the next one/,
        /hostNetwork/,
      ],
      evidence: [/^FailedCreate/],
    },
  ],
  'sts-partition': [
    {
      alert: 'KubeStatefulSetUpdateNotRolledOut',
      anomaly: 'update-partitioned',
      says: [/partition 2/],
      evidence: [/0 updated/],
    },
  ],
  'ds-refused': [
    // The refusal, not the taint of a node the DaemonSet never targets.
    {
      alert: 'KubeDaemonSetNotScheduled',
      anomaly: 'create-refused',
      says: [/PodSecurity admission \(restricted:latest\) refused/, /hostNetwork/],
      evidence: [/^FailedCreate/],
      never: [/dedicated=gpu/],
    },
    { alert: 'KubeDaemonSetRolloutStuck', anomaly: 'create-refused', says: [/PodSecurity/], never: [/dedicated=gpu/] },
  ],
  'ds-misscheduled': [
    {
      alert: 'KubeDaemonSetMisScheduled',
      anomaly: 'misscheduled',
      says: [/log-shipper-\w+ on ds-misscheduled-a-/, /dedicated=db:NoSchedule is not tolerated/],
    },
    { alert: 'KubeDaemonSetRolloutStuck', anomaly: 'misscheduled', says: [/dedicated=db:NoSchedule/] },
  ],
  'ds-crash': [
    { alert: 'KubeDaemonSetRolloutStuck', anomaly: 'app-crash', says: [/metrics-agent-\w+ on ds-crash-a-/, CRASHES] },
    { alert: 'KubePodCrashLooping', anomaly: 'crash-loop', says: [/DaemonSet metrics-agent/], plan: 'delete-pod' },
    { alert: 'KubePodNotReady', anomaly: 'app-crash', says: [CRASHES] },
  ],
  'lost-node': [
    // The node record and the pods' records say the same: the node stopped reporting. No drain is
    // suggested (no kubelet would confirm its evictions); the summary says what a person can do.
    {
      alert: 'KubeNodeUnreachable',
      where: (ctx) => ({ node: ctx.node('n') }),
      anomaly: 'node-unreachable',
      says: [/^node lost-node-n-\w+ has not reported/, /2 workload pods/, /out-of-service=nodeshutdown:NoExecute/],
    },
    {
      alert: 'KubeNodeNotReady',
      where: (ctx) => ({ node: ctx.node('n') }),
      anomaly: 'node-unreachable',
      says: [/has not reported/],
    },
    {
      alert: 'KubePodNotReady',
      count: 2,
      anomaly: 'node-unreachable',
      says: [/node lost-node-n-\w+ has not reported/],
      evidence: [/NodeNotReady|Ready=Unknown/],
      never: [NOT_RECOVERED],
    },
    {
      alert: 'KubeDeploymentReplicasMismatch',
      anomaly: 'node-unreachable',
      says: [/node lost-node-n-\w+ has not reported/],
      never: [NOT_RECOVERED],
      why: /no Deployment rollout to roll back/,
    },
  ],
  'node-pressure': [
    {
      alert: 'KubeNodePressure',
      where: (ctx) => ({ node: ctx.node('p') }),
      anomaly: 'node-pressure',
      says: [/reports MemoryPressure/],
      evidence: [/KubeletHasInsufficientMemory/],
      // Nothing runs there to move: no drain is suggested (its memory-pressure taint keeps new pods off).
    },
  ],
  'quota-pods': [
    {
      alert: 'KubeQuotaFullyUsed',
      anomaly: 'quota-exhausted',
      says: [/used 2 of 2 pods: new pods in \S+ are refused/],
    },
  ],
  'quota-pvc': [
    // What the quota measured: claims, not pods.
    {
      alert: 'KubeQuotaFullyUsed',
      anomaly: 'quota-exhausted',
      says: [/used 1 of 1 persistentvolumeclaims: new PersistentVolumeClaims/],
      never: [/new pods/i],
    },
  ],
  'quota-almost': [
    {
      alert: 'KubeQuotaAlmostFull',
      anomaly: 'quota-high',
      says: [/used 950m of 1 requests\.cpu \(95%\)/, /will be refused once it is used up/],
    },
  ],
  'quota-over': [
    { alert: 'KubeQuotaExceeded', anomaly: 'quota-exhausted', says: [/used 2 of 1 pods \(more than its hard limit/] },
  ],
  'quota-blocks-rollout': [
    // The ReplicaSet's creation refusal, from the controller's own report, names the quota.
    {
      alert: 'KubeDeploymentReplicasMismatch',
      anomaly: 'replica-failure',
      target: /^Deployment\/orders$/,
      says: [/exceeded quota: pods/],
      evidence: [/ReplicaFailure=True \(FailedCreate\)/],
      why: /.+/,
    },
    {
      alert: 'KubeQuotaFullyUsed',
      anomaly: 'quota-exhausted',
      says: [/used 2 of 2 pods/],
      evidence: [/exceeded quota: pods/],
    },
  ],
  pdb: [
    {
      alert: 'KubePdbNotEnoughHealthyPods',
      anomaly: 'probe-failure',
      target: /^PodDisruptionBudget\/ledger$/,
      says: [/1 healthy pod short/, /runs but is not ready/],
    },
    { alert: 'KubePodNotReady', count: 2, anomaly: 'probe-failure', says: [/runs but is not ready/] },
    { alert: 'KubeDeploymentReplicasMismatch', anomaly: 'probe-failure' },
  ],
  'volume-full': [
    {
      alert: 'KubePersistentVolumeFillingUp',
      anomaly: 'volume-filling',
      target: /^PersistentVolumeClaim\/data$/,
      says: [/volume data \(10Gi\) is filling up/],
      evidence: [/has 1% of its space free/],
      plan: 'expand-pvc',
    },
  ],
  'inodes-full': [
    // Out of inodes, not of space: the shipped rule diagnoses only, and expansion is a suggestion.
    {
      alert: 'KubePersistentVolumeInodesFillingUp',
      anomaly: 'inodes-filling',
      says: [/running out of inodes \(too many files\)/],
      evidence: [/has 1% of its inodes free/],
      never: [/is filling up/],
      suggested: 'expand-pvc',
    },
  ],
  throttled: [
    {
      alert: 'CPUThrottlingHigh',
      anomaly: 'cpu-throttled',
      target: pod('render-'),
      says: [/throttled at its CPU limit of 200m/],
      evidence: [/cpu limit 200m/, /^60% throttling of CPU/],
    },
  ],
  healthy: [],
};
