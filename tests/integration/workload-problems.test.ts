import { randomBytes } from 'node:crypto';

import { beforeAll, describe, expect, it } from '@jest/globals';
import { PatchStrategy } from '@kubernetes/client-node';

import {
  admin,
  applyShippedRbac,
  createCrashLoopingDeployment,
  createDeployment,
  createFailedJob,
  createHpa,
  createNamespace,
  createStorageClass,
  createPdb,
  createUnmanagedNode,
  diagnoseOnCluster,
  firingAlert,
  readHpa,
  rolledOut,
  rollOutBadImage,
  until,
} from '../testenv/cluster.ts';

/**
 * Workload, node, HPA and volume problems produced by the real controllers (Deployment, Job,
 * HPA), the scheduler and kwok, diagnosed by the detector identity under the shipped RBAC and the
 * shipped rules.
 */
beforeAll(async () => {
  await applyShippedRbac();
});

/** The detector's record for the alert: its summary as the reason, and the plan the rule's fixes made, if any. */
async function diagnose(file: string, labels: Record<string, string>) {
  const outcome = await diagnoseOnCluster(firingAlert(file, labels));
  expect(outcome.diagnosis).toBeDefined();
  if (outcome.plan === undefined) expect(outcome.result).toBe('no-action');
  return { ...outcome, reason: outcome.diagnosis?.summary };
}

describe('workload problems on a real control plane', () => {
  it('explains a stuck rollout by its new pods’ image pulls (KubeDeploymentRolloutStuck)', async () => {
    const namespace = await createNamespace('rollout-stuck');
    await createDeployment(namespace, 'checkout', { replicas: 2, progressDeadlineSeconds: 2 });
    await rolledOut(namespace, 'checkout', 2);
    await rollOutBadImage(namespace, 'checkout', 'registry.example/checkout:1.15.0');
    await until(
      'the Deployment controller to give up on the rollout',
      () => admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' }),
      (d) => d.status?.conditions?.some((c) => c.reason === 'ProgressDeadlineExceeded') === true,
      60_000,
    );

    const outcome = await diagnose('deployment-rollout-stuck.json', { namespace, deployment: 'checkout' });

    expect(outcome.diagnosis).toMatchObject({ detector: 'deployment-health', anomaly: 'bad-image' });
    expect(outcome.reason).toMatch(
      /^rollout stuck: \d of \d pods of the newest revision are unhealthy — container app cannot pull image registry\.example\/checkout:1\.15\.0/,
    );
    expect(outcome.reason).toContain('roll back to revision 1');
  }, 120_000);

  it('explains a failed Job by the exit of its pods (KubeJobFailed)', async () => {
    const namespace = await createNamespace('job-failed');
    await createFailedJob(namespace, 'nightly-report', {
      backoffLimit: 1,
      container: 'report',
      image: 'registry.example/report:3.1',
    });

    const outcome = await diagnose('job-failed.json', { namespace, job_name: 'nightly-report' });

    expect(outcome.diagnosis).toMatchObject({ detector: 'job-health', anomaly: 'BackoffLimitExceeded' });
    expect(outcome.reason).toMatch(
      /^job nightly-report failed: 2 pods failed \(backoffLimit 1\); pod nightly-report-\w+: Error, exit code 2$/,
    );
  }, 120_000);

  it('reports what a NotReady node last said (KubeNodeNotReady)', async () => {
    const name = `kwok-broken-${randomBytes(3).toString('hex')}`;
    await createUnmanagedNode(name, [
      {
        type: 'Ready',
        status: 'False',
        reason: 'KubeletNotReady',
        message: 'container runtime network not ready: NetworkReady=false',
      },
    ]);

    const outcome = await diagnose('node-not-ready.json', { node: name });

    expect(outcome.diagnosis).toMatchObject({
      detector: 'node-health',
      anomaly: 'node-not-ready',
      target: { kind: 'Node', name },
    });
    expect(outcome.reason).toMatch(
      /^node kwok-broken-\w+ reports NotReady for \d+ min: container runtime network not ready: NetworkReady=false$/,
    );
  }, 120_000);

  it('says an HPA cannot scale when it has no metrics (KubeHpaReplicasMismatch)', async () => {
    const namespace = await createNamespace('hpa');
    await createDeployment(namespace, 'api', {
      container: 'api',
      image: 'registry.example/api:2.0',
      requests: { cpu: '100m' },
    });
    await createHpa(namespace, 'api', { minReplicas: 1, maxReplicas: 5, cpuUtilization: 70 });
    await until(
      'the HPA controller to report',
      () => readHpa(namespace, 'api'),
      (hpa) => (hpa.status?.conditions ?? []).some((c) => c.type === 'ScalingActive'),
      60_000,
    );

    const outcome = await diagnose('hpa-maxed.json', {
      alertname: 'KubeHpaReplicasMismatch',
      namespace,
      horizontalpodautoscaler: 'api',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'hpa-health', anomaly: 'hpa-cannot-scale' });
    expect(outcome.reason).toMatch(/^HPA api cannot scale Deployment api: FailedGetResourceMetric — /);
  }, 120_000);

  it('says whether a filling volume can grow in place (KubePersistentVolumeFillingUp)', async () => {
    const namespace = await createNamespace('pvc');
    const className = await createStorageClass({ allowVolumeExpansion: true });
    await admin().core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'data-postgres-0' },
        spec: {
          storageClassName: className,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '100Gi' } },
        },
      },
    });

    const outcome = await diagnose('pvc-filling.json', { namespace, persistentvolumeclaim: 'data-postgres-0' });

    expect(outcome.diagnosis).toMatchObject({ detector: 'pvc-filling', anomaly: 'volume-filling' });
    expect(outcome.reason).toBe(
      'volume data-postgres-0 (100Gi) is filling up; its storage class allows expanding it in place',
    );
  }, 120_000);

  it('says a crash-looping ordinal holds back the rest of a StatefulSet (KubeStatefulSetReplicasMismatch)', async () => {
    const namespace = await createNamespace('sts');
    await admin().objects.create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'postgres', namespace },
      spec: {
        replicas: 3,
        serviceName: 'postgres',
        selector: { matchLabels: { app: 'postgres' } },
        template: {
          metadata: { labels: { app: 'postgres', 'kubemend.test/crash-loop': 'true' } },
          spec: { containers: [{ name: 'app', image: 'registry.example/postgres:16' }] },
        },
      },
    } as never);
    await until(
      'postgres-0 to crash loop',
      () =>
        admin()
          .core.readNamespacedPod({ namespace, name: 'postgres-0' })
          .catch(() => undefined),
      (pod) => pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
      60_000,
    );

    const outcome = await diagnose('deployment-rollout-stuck.json', {
      alertname: 'KubeStatefulSetReplicasMismatch',
      namespace,
      statefulset: 'postgres',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'statefulset-health', anomaly: 'app-crash' });
    // OrderedReady: the lowest unready ordinal holds back the ones above it, and the record names them.
    expect(outcome.reason).toBe(
      'postgres-0 is not ready (container app keeps exiting with code 1 (Error)), so postgres-1 and postgres-2 wait behind it',
    );
  }, 120_000);

  it('says how far a PodDisruptionBudget is short (KubePdbNotEnoughHealthyPods)', async () => {
    const namespace = await createNamespace('pdb');
    await createCrashLoopingDeployment(namespace, 'checkout');
    await createPdb(namespace, 'checkout', 2, 2, 60_000);

    const outcome = await diagnose('deployment-rollout-stuck.json', {
      alertname: 'KubePdbNotEnoughHealthyPods',
      namespace,
      poddisruptionbudget: 'checkout',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'pdb-health', anomaly: 'app-crash' });
    expect(outcome.reason).toMatch(
      /^PodDisruptionBudget checkout is 2 healthy pods short, so evictions and drains of its pods are blocked — 2 pods are unhealthy: container app keeps exiting/,
    );
  }, 120_000);

  it('names an exhausted quota (KubeQuotaFullyUsed)', async () => {
    const namespace = await createNamespace('quota');
    await admin().core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'compute' }, spec: { hard: { pods: '1' } } },
    });
    await until(
      'the quota controller to report usage',
      () => admin().core.readNamespacedResourceQuota({ namespace, name: 'compute' }),
      (quota) => quota.status?.used?.pods !== undefined,
    );
    await createDeployment(namespace, 'worker', { replicas: 2 });
    await until(
      'the quota to fill',
      () => admin().core.readNamespacedResourceQuota({ namespace, name: 'compute' }),
      (quota) => quota.status?.used?.pods === '1',
      60_000,
    );

    const outcome = await diagnose('deployment-rollout-stuck.json', {
      alertname: 'KubeQuotaFullyUsed',
      namespace,
      resourcequota: 'compute',
      resource: 'pods',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'quota-health', anomaly: 'quota-exhausted' });
    expect(outcome.reason).toBe(
      `ResourceQuota ${namespace}/compute has used 1 of 1 pods: new pods in ${namespace} are refused (and with them rollouts, scale-ups and Job runs that need new pods), until usage drops or the quota is raised`,
    );
  }, 120_000);

  it('finds the crash behind a DaemonSet rollout (KubeDaemonSetRolloutStuck)', async () => {
    const namespace = await createNamespace('ds');
    await admin().objects.create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'node-agent', namespace },
      spec: {
        selector: { matchLabels: { app: 'node-agent' } },
        template: {
          metadata: { labels: { app: 'node-agent', 'kubemend.test/crash-loop': 'true' } },
          spec: {
            nodeSelector: { type: 'kwok' },
            containers: [{ name: 'agent', image: 'registry.example/agent:5' }],
          },
        },
      },
    } as never);
    await until(
      'the agent on the kwok node to crash loop',
      async () => (await admin().core.listNamespacedPod({ namespace, labelSelector: 'app=node-agent' })).items,
      (pods) => pods.some((pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff'),
      60_000,
    );

    const outcome = await diagnose('deployment-rollout-stuck.json', {
      alertname: 'KubeDaemonSetRolloutStuck',
      namespace,
      daemonset: 'node-agent',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'daemonset-health', anomaly: 'app-crash' });
    expect(outcome.reason).toMatch(
      /^daemonset ds-\w+\/node-agent: 1 of 1 pods are unhealthy, e\.g\. node-agent-\w+ on kwok-node-0: container agent keeps exiting with code 1 \(Error\)$/,
    );
  }, 120_000);

  it('says an OnDelete StatefulSet waits for its pods to be deleted (KubeStatefulSetUpdateNotRolledOut)', async () => {
    const namespace = await createNamespace('sts-ondelete');
    const body = (image: string) => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'kafka', namespace },
      spec: {
        replicas: 1,
        serviceName: 'kafka',
        updateStrategy: { type: 'OnDelete' },
        selector: { matchLabels: { app: 'kafka' } },
        template: { metadata: { labels: { app: 'kafka' } }, spec: { containers: [{ name: 'broker', image }] } },
      },
    });
    await admin().objects.create(body('registry.example/kafka:3.8') as never);
    await until(
      'kafka-0 ready',
      () =>
        admin().objects.read({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'kafka', namespace } }),
      (sts) => (sts as { status?: { readyReplicas?: number } }).status?.readyReplicas === 1,
      60_000,
    );
    await admin().objects.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'kafka', namespace },
        spec: { template: { spec: { containers: [{ name: 'broker', image: 'registry.example/kafka:3.9' }] } } },
      } as never,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.StrategicMergePatch,
    );
    await until(
      'a new update revision',
      () =>
        admin().objects.read({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'kafka', namespace } }),
      (sts) => {
        const status = (sts as { status?: { currentRevision?: string; updateRevision?: string } }).status;
        return status?.updateRevision !== undefined && status.updateRevision !== status.currentRevision;
      },
    );

    const outcome = await diagnose('deployment-rollout-stuck.json', {
      alertname: 'KubeStatefulSetUpdateNotRolledOut',
      namespace,
      statefulset: 'kafka',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'statefulset-health', anomaly: 'update-on-delete' });
    expect(outcome.reason).toMatch(
      /^statefulset kafka uses the OnDelete update strategy: its pods move to revision kafka-\w+ only when deleted$/,
    );
  }, 120_000);

  it('reports a node’s pressure conditions (KubeNodePressure)', async () => {
    const name = `kwok-pressure-${randomBytes(3).toString('hex')}`;
    await createUnmanagedNode(name, [
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' },
    ]);

    const outcome = await diagnose('node-not-ready.json', { alertname: 'KubeNodePressure', node: name });

    expect(outcome.diagnosis).toMatchObject({ detector: 'node-health', anomaly: 'node-pressure' });
    expect(outcome.reason).toBe(`node ${name} reports DiskPressure: the kubelet evicts pods to recover`);
  }, 120_000);

  it('points at the CPU limit of a throttled container (CPUThrottlingHigh)', async () => {
    const namespace = await createNamespace('throttled');
    await admin().core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'encoder' },
        spec: {
          containers: [
            {
              name: 'ffmpeg',
              image: 'registry.example/encoder:7',
              resources: { limits: { cpu: '500m' }, requests: { cpu: '250m' } },
            },
          ],
        },
      },
    });

    const outcome = await diagnose('crashlooping-single.json', {
      alertname: 'CPUThrottlingHigh',
      namespace,
      pod: 'encoder',
      container: 'ffmpeg',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'cpu-throttling', anomaly: 'cpu-throttled' });
    expect(outcome.plan).toBeUndefined();
    expect(outcome.reason).toContain('container ffmpeg is throttled at its CPU limit of 500m (request 250m)');
  }, 120_000);

  it('finds why a Job does not complete (KubeJobNotCompleted)', async () => {
    const namespace = await createNamespace('job-stuck');
    await admin().objects.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              { name: 'migrate', image: 'registry.example/migrate:1', resources: { requests: { memory: '4Ti' } } },
            ],
          },
        },
      },
    } as never);
    await until(
      'the Job’s pod to be unschedulable',
      async () => (await admin().core.listNamespacedPod({ namespace, labelSelector: 'job-name=migrate' })).items,
      (pods) => pods.some((pod) => pod.status?.conditions?.some((c) => c.reason === 'Unschedulable') === true),
      60_000,
    );

    const outcome = await diagnose('job-failed.json', {
      alertname: 'KubeJobNotCompleted',
      namespace,
      job_name: 'migrate',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'job-health', anomaly: 'unschedulable' });
    expect(outcome.reason).toMatch(
      /^job migrate has run for \d+ min without completing \(1 active, 0 succeeded, 0 failed\): the scheduler finds no node for the pod: .*Insufficient memory/,
    );
  }, 120_000);

  it('explains missing replicas by their pods (KubeDeploymentReplicasMismatch)', async () => {
    const namespace = await createNamespace('replicas');
    await createCrashLoopingDeployment(namespace, 'checkout');

    const outcome = await diagnose('deployment-rollout-stuck.json', {
      alertname: 'KubeDeploymentReplicasMismatch',
      namespace,
      deployment: 'checkout',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'deployment-health', anomaly: 'app-crash' });
    expect(outcome.reason).toBe(
      '2 of 2 pods of the newest revision are unhealthy — container app keeps exiting with code 1 (Error) (2 pods).',
    );
  }, 120_000);

  it('names a quota whose usage is over its hard limit (KubeQuotaExceeded)', async () => {
    const namespace = await createNamespace('quota-over');
    await admin().core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'a' }, spec: { containers: [{ name: 'a', image: 'registry.example/a:1' }] } },
    });
    await admin().core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'b' }, spec: { containers: [{ name: 'b', image: 'registry.example/b:1' }] } },
    });
    // A quota lowered below what already runs: usage stays over it until pods go.
    await admin().core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'shrunk' }, spec: { hard: { pods: '1' } } },
    });
    await until(
      'usage over the limit',
      () => admin().core.readNamespacedResourceQuota({ namespace, name: 'shrunk' }),
      (quota) => quota.status?.used?.pods === '2',
      60_000,
    );

    const outcome = await diagnose('deployment-rollout-stuck.json', {
      alertname: 'KubeQuotaExceeded',
      namespace,
      resourcequota: 'shrunk',
      resource: 'pods',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'quota-health', anomaly: 'quota-exhausted' });
    expect(outcome.reason).toContain(
      'has used 2 of 1 pods (more than its hard limit, which was set below what was in use)',
    );
  }, 120_000);

  it('names the tainted nodes a DaemonSet does not run on (KubeDaemonSetNotScheduled)', async () => {
    const namespace = await createNamespace('ds-taints');
    const node = `${namespace}-gpu`;
    // Labelled linux, so the DaemonSet's nodeSelector selects it and only the taint keeps it off.
    await createUnmanagedNode(node, [], {
      labels: { pool: namespace, 'kubernetes.io/os': 'linux' },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
    });
    await admin().objects.create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'log-shipper', namespace },
      spec: {
        selector: { matchLabels: { app: 'log-shipper' } },
        template: {
          metadata: { labels: { app: 'log-shipper' } },
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            containers: [{ name: 'shipper', image: 'registry.example/shipper:1' }],
          },
        },
      },
    } as never);

    const outcome = await diagnose('deployment-rollout-stuck.json', {
      alertname: 'KubeDaemonSetNotScheduled',
      namespace,
      daemonset: 'log-shipper',
    });

    expect(outcome.diagnosis).toMatchObject({ detector: 'daemonset-health', anomaly: 'untolerated-taints' });
    expect(outcome.reason).toContain(`${node} (nvidia.com/gpu=true:NoSchedule`);
  }, 120_000);

  it('reports a node that stopped reporting (KubeNodeUnreachable)', async () => {
    const name = `kwok-gone-${randomBytes(3).toString('hex')}`;
    // What the node lifecycle controller writes when the kubelet stops posting status.
    await createUnmanagedNode(
      name,
      [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastHeartbeatTime: new Date(Date.now() - 10 * 60_000),
        },
      ],
      { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
    );

    const outcome = await diagnose('node-not-ready.json', { alertname: 'KubeNodeUnreachable', node: name });

    expect(outcome.diagnosis).toMatchObject({ detector: 'node-health', anomaly: 'node-unreachable' });
    expect(outcome.reason).toMatch(
      new RegExp(`^node ${name} has not reported for 1\\d min \\(Kubelet stopped posting node status\\.\\)`),
    );
  }, 120_000);
});
