import { describe, expect, it } from '@jest/globals';
import type { V1Job, V1Node, V1PersistentVolumeClaim, V1Pod, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';

import type { Alert } from '../../../lib/alert/schema.ts';
import { cpuThrottling } from '../../../lib/detect/cpu-throttling.ts';
import { daemonSetHealth } from '../../../lib/detect/daemonset-health.ts';
import { deploymentHealth } from '../../../lib/detect/deployment-health.ts';
import { hpaHealth } from '../../../lib/detect/hpa-health.ts';
import { jobHealth } from '../../../lib/detect/job-health.ts';
import { nodeHealth } from '../../../lib/detect/node-health.ts';
import { pdbHealth } from '../../../lib/detect/pdb-health.ts';
import { pvcFilling } from '../../../lib/detect/pvc-filling.ts';
import { quotaHealth } from '../../../lib/detect/quota-health.ts';
import { quantity } from '../../../lib/kube/quantity.ts';
import { statefulSetHealth } from '../../../lib/detect/statefulset-health.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, crashingPod, deployment, replicaSet } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

function alertWith(file: string, labels: Record<string, string> = {}): Alert {
  const alert = alertFixture(file);
  return { ...alert, labels: Object.assign(Object.create(null) as Record<string, string>, alert.labels, labels) };
}

function imagePullPod(name: string): V1Pod {
  const pod = crashingPod();
  pod.metadata!.name = name;
  pod.metadata!.labels = { app: 'checkout', 'pod-template-hash': '7d9f8b6c5d' };
  pod.status!.containerStatuses![0]!.state = {
    waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' },
  };
  pod.status!.containerStatuses![0]!.lastState = {};
  return pod;
}

describe('deployment-health', () => {
  it('finds why the newest revision’s pods are unavailable, from real-shaped objects', async () => {
    const rs = replicaSet();
    rs.metadata!.labels = { app: 'checkout', 'pod-template-hash': '7d9f8b6c5d' };
    rs.metadata!.ownerReferences![0]!.uid = deployment().metadata!.uid!;
    const stuck = deployment({ progressing: 'ProgressDeadlineExceeded', updatedReplicas: 2 });
    const kube = new FakeKube().add(
      stuck,
      rs,
      imagePullPod('checkout-7d9f8b6c5d-a'),
      imagePullPod('checkout-7d9f8b6c5d-b'),
    );
    const alert = alertWith('deployment-rollout-stuck.json', { namespace: 'payments', deployment: 'checkout' });

    const diagnosis = deploymentHealth.diagnose(alert, await deploymentHealth.observe(alert, kube), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'bad-image',
      target: { kind: 'Deployment', name: 'checkout' },
      plan: null,
    });
    expect(diagnosis.summary).toMatch(
      /^rollout stuck: 2 of 2 pods of the newest revision are unhealthy — container app cannot pull image/,
    );
  });

  it('says when the controller has not acted on the latest generation', () => {
    const lagging = deployment();
    lagging.metadata!.generation = 9;

    const diagnosis = deploymentHealth.diagnose(
      alertWith('deployment-rollout-stuck.json'),
      { namespace: 'payments', name: 'checkout', deployment: lagging, replicaSets: [], pods: [] },
      now,
    );

    expect(diagnosis).toMatchObject({ anomaly: 'generation-mismatch' });
    expect(diagnosis.summary).toContain('has not acted on generation 9 (observed 7)');
  });
});

describe('job-health', () => {
  it('explains a failed Job by its condition and its pods’ exits', () => {
    const job: V1Job = {
      metadata: {
        name: 'nightly-report-29012',
        namespace: 'batch',
        uid: 'j1',
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly-report', uid: 'c1', controller: true },
        ],
      },
      spec: { backoffLimit: 2, template: { spec: { containers: [] } } },
      status: {
        failed: 3,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        ],
      },
    };
    const pod = crashingPod({ lastReason: 'OOMKilled', exitCode: 137 });
    pod.status!.containerStatuses![0]!.state = { terminated: { reason: 'OOMKilled', exitCode: 137 } };

    const diagnosis = jobHealth.diagnose(
      alertWith('job-failed.json'),
      { namespace: 'batch', name: job.metadata!.name!, job, pods: [pod], events: [] },
      now,
    );

    expect(diagnosis).toMatchObject({ anomaly: 'oom-killed', target: { kind: 'Job' } });
    expect(diagnosis.summary).toBe(
      'job nightly-report-29012 failed: 3 pods failed (backoffLimit 2); container app is killed for exceeding its memory limit (256Mi)',
    );
    expect(diagnosis.evidence.map((item) => item.message)).toEqual(
      expect.arrayContaining([
        'created by cronjob nightly-report',
        'pod checkout-7d9f8b6c5d-x2k9p: OOMKilled, exit code 137',
      ]),
    );
  });
});

describe('node-health', () => {
  it('tells an unreachable node from a NotReady one and counts the workload pods at stake', async () => {
    const node: V1Node = {
      kind: 'Node',
      metadata: { name: 'ip-10-0-3-17.eu-west-1.compute.internal', uid: 'n1' },
      spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
            lastHeartbeatTime: new Date('2026-11-26T02:05:00Z'),
          },
        ],
      },
    };
    const onNode = crashingPod();
    onNode.spec!.nodeName = node.metadata!.name;
    const kube = new FakeKube().add(node, onNode);
    const alert = alertWith('node-not-ready.json', { node: node.metadata!.name! });

    const diagnosis = nodeHealth.diagnose(alert, await nodeHealth.observe(alert, kube), now);

    expect(diagnosis).toMatchObject({ anomaly: 'node-unreachable', target: { kind: 'Node' } });
    expect(diagnosis.summary).toContain('has not reported for 15 min (Kubelet stopped posting node status.)');
    expect(diagnosis.evidence.map((item) => item.message)).toContain('1 pods on the node, 1 not from DaemonSets');
  });
});

describe('hpa-health', () => {
  const hpa = (status: V2HorizontalPodAutoscaler['status']): V2HorizontalPodAutoscaler => ({
    metadata: { name: 'checkout', namespace: 'payments', uid: 'h1' },
    spec: {
      minReplicas: 2,
      maxReplicas: 10,
      scaleTargetRef: { kind: 'Deployment', name: 'checkout', apiVersion: 'apps/v1' },
    },
    status,
  });

  it('says an HPA at its ceiling wants more', () => {
    const diagnosis = hpaHealth.diagnose(
      alertWith('hpa-maxed.json'),
      {
        namespace: 'payments',
        name: 'checkout',
        hpa: hpa({
          currentReplicas: 10,
          desiredReplicas: 14,
          conditions: [
            {
              type: 'ScalingLimited',
              status: 'True',
              reason: 'TooManyReplicas',
              message: 'the desired replica count is more than the maximum replica count',
            },
          ],
        }),
      },
      now,
    );

    expect(diagnosis.anomaly).toBe('hpa-maxed-out');
    expect(diagnosis.summary).toContain('at its ceiling of 10 replicas and wants 14');
  });

  it('says an HPA that cannot read its metrics cannot scale', () => {
    const diagnosis = hpaHealth.diagnose(
      alertWith('hpa-maxed.json'),
      {
        namespace: 'payments',
        name: 'checkout',
        hpa: hpa({
          currentReplicas: 2,
          desiredReplicas: 2,
          conditions: [
            {
              type: 'ScalingActive',
              status: 'False',
              reason: 'FailedGetResourceMetric',
              message: 'unable to get metrics for resource cpu',
            },
          ],
        }),
      },
      now,
    );

    expect(diagnosis).toMatchObject({ anomaly: 'hpa-cannot-scale' });
    expect(diagnosis.summary).toBe(
      'HPA checkout cannot scale Deployment checkout: FailedGetResourceMetric — unable to get metrics for resource cpu',
    );
  });
});

describe('pvc-filling', () => {
  it('says whether the storage class lets the volume grow in place', async () => {
    const pvc: V1PersistentVolumeClaim = {
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-postgres-0', namespace: 'db', uid: 'p1' },
      spec: { storageClassName: 'gp3', resources: { requests: { storage: '100Gi' } } },
      status: { phase: 'Bound', capacity: { storage: '100Gi' } },
    };
    const kube = new FakeKube().add(pvc, {
      kind: 'StorageClass',
      metadata: { name: 'gp3' },
      provisioner: 'ebs.csi.aws.com',
      allowVolumeExpansion: true,
    } as never);
    const alert = alertWith('pvc-filling.json', { namespace: 'db', persistentvolumeclaim: 'data-postgres-0' });

    const diagnosis = pvcFilling.diagnose(alert, await pvcFilling.observe(alert, kube), now);

    expect(diagnosis.summary).toBe(
      'volume data-postgres-0 (100Gi) is filling up; its storage class allows expanding it in place',
    );
    expect(diagnosis.evidence.map((item) => item.message)).toContain(
      'storage class gp3 (ebs.csi.aws.com) allows volume expansion',
    );
  });
});

describe('statefulset, daemonset, PDB, quota and CPU throttling detectors', () => {
  const ordinal0 = (): V1Pod => {
    const pod = crashingPod({ owner: { kind: 'StatefulSet', name: 'postgres' } });
    pod.metadata!.name = 'postgres-0';
    return pod;
  };

  it('says a crashing ordinal holds back the rest of a StatefulSet', () => {
    const diagnosis = statefulSetHealth.diagnose(
      alertWith('deployment-rollout-stuck.json'),
      {
        namespace: 'db',
        name: 'postgres',
        statefulSet: {
          metadata: { name: 'postgres', uid: 's1' },
          spec: { replicas: 3, selector: {}, serviceName: 'postgres', template: {} },
          status: { replicas: 1, readyReplicas: 0 },
        },
        pods: [{ pod: ordinal0(), events: [] }],
      },
      now,
    );

    expect(diagnosis).toMatchObject({ anomaly: 'app-crash', target: { kind: 'StatefulSet' } });
    expect(diagnosis.summary).toContain('pods start in order, so the rest wait behind it');
  });

  it('names the nodes whose taints a DaemonSet does not tolerate', () => {
    const node = (name: string, taints: V1Node['spec']) => ({ metadata: { name }, spec: taints }) as V1Node;
    const diagnosis = daemonSetHealth.diagnose(
      alertWith('deployment-rollout-stuck.json'),
      {
        namespace: 'monitoring',
        name: 'node-exporter',
        daemonSet: {
          metadata: { name: 'node-exporter', uid: 'd1' },
          spec: {
            selector: {},
            template: {
              spec: { containers: [], tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] },
            },
          },
          status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, numberMisscheduled: 0 },
        },
        pods: [],
        nodes: [
          node('gpu-1', { taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] }),
          node('infra-1', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }),
        ],
      },
      now,
    );

    expect(diagnosis.anomaly).toBe('untolerated-taints');
    expect(diagnosis.summary).toBe(
      '1 node has taints the DaemonSet does not tolerate, e.g. gpu-1 (nvidia.com/gpu=true:NoSchedule): add tolerations if it must run there',
    );
  });

  it('says how far a PodDisruptionBudget is short and why', () => {
    const diagnosis = pdbHealth.diagnose(
      alertWith('deployment-rollout-stuck.json'),
      {
        namespace: 'payments',
        name: 'checkout',
        pdb: {
          metadata: { name: 'checkout', uid: 'b1' },
          status: { currentHealthy: 1, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 0 },
        },
        pods: [{ pod: crashingPod(), events: [] }],
      },
      now,
    );

    expect(diagnosis.summary).toBe(
      'PodDisruptionBudget checkout is 1 healthy pod short, so evictions and drains of its pods are blocked — 1 pods are unhealthy: container app keeps exiting with code 1 (Error)',
    );
  });

  it('names the exhausted resources of a quota', () => {
    expect(quantity('1500m')).toBe(1.5);
    expect(quantity('2Gi')).toBe(2 * 2 ** 30);
    const diagnosis = quotaHealth.diagnose(
      alertWith('deployment-rollout-stuck.json', { resource: 'requests.memory' }),
      {
        namespace: 'team-a',
        name: 'compute',
        quota: {
          metadata: { name: 'compute', uid: 'q1' },
          status: { hard: { 'requests.memory': '8Gi', pods: '20' }, used: { 'requests.memory': '8192Mi', pods: '7' } },
        },
      },
      now,
    );

    expect(diagnosis).toMatchObject({ anomaly: 'quota-exhausted' });
    expect(diagnosis.summary).toContain('exhausted for requests.memory (requests.memory: 8192Mi of 8Gi)');
  });

  it('points at the CPU limit for throttling, with no restart', () => {
    const pod = crashingPod({ running: true });
    pod.spec!.containers[0]!.resources = { limits: { cpu: '500m' }, requests: { cpu: '250m' } };

    const diagnosis = cpuThrottling.diagnose(
      alertWith('crashlooping-single.json'),
      { namespace: 'payments', podName: 'x', pod },
      now,
    );

    expect(diagnosis.summary).toContain('is throttled at its CPU limit of 500m (request 250m)');
    expect(diagnosis.plan).toBeNull();
  });
});
