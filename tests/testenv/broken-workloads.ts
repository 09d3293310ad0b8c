import { randomBytes } from 'node:crypto';

import { ApiException, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import type { Finding } from '../../lib/audit/finding.ts';
import { admin, createDeployment, createNamespace, createPdb, createUnmanagedNode, until } from './cluster.ts';

/**
 * One failure mode of each kind that k8sgpt's pod, deployment, statefulset, replicaset, job,
 * cronjob, PVC, node, HPA and PDB analyzers report (read from its source: pkg/analyzer/*.go),
 * seeded on the test control plane the way the controllers and a kubelet (kwok) would produce it.
 * `found` picks the kubemend audit finding that reports it.
 */
export interface BrokenWorkload {
  analyzer: string;
  check: string;
  /** Creates the problem; returns a reason when the API server refuses to let it exist. */
  seed(namespace: string): Promise<string | undefined>;
  found(findings: readonly Finding[], namespace: string): Finding | undefined;
}

const objects = () => admin().objects;
const create = (object: Record<string, unknown>) => objects().create(object);
const byKey = (pattern: RegExp) => (findings: readonly Finding[], namespace: string) =>
  findings.find((finding) => finding.namespace === namespace && pattern.test(finding.key));

async function refused(request: Promise<unknown>): Promise<string | undefined> {
  try {
    await request;
    return undefined;
  } catch (error) {
    if (error instanceof ApiException && error.code === 422) {
      const body =
        typeof error.body === 'string'
          ? (JSON.parse(error.body) as { message?: string })
          : (error.body as { message?: string });
      return `the API server refuses it: ${body.message ?? 'invalid'}`;
    }
    throw error;
  }
}

export const BROKEN_WORKLOADS: readonly BrokenWorkload[] = [
  {
    analyzer: 'pod',
    check: 'Pending pod the scheduler cannot place (Unschedulable)',
    seed: async (namespace) => {
      await createDeployment(namespace, 'huge', { requests: { memory: '4Ti' } });
      await until(
        'an unschedulable pod',
        async () => (await admin().core.listNamespacedPod({ namespace })).items,
        (pods) => pods.some((p) => p.status?.conditions?.some((c) => c.reason === 'Unschedulable') === true),
        60_000,
      );
      return undefined;
    },
    found: byKey(/^Deployment\/.*\/huge\/unschedulable$/),
  },
  {
    analyzer: 'pod',
    check: 'Pending pod blocked by scheduling gates',
    seed: async (namespace) => {
      await admin().core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'gated' },
          spec: {
            schedulingGates: [{ name: 'example.com/approval' }],
            containers: [{ name: 'app', image: 'registry.example/app:1' }],
          },
        },
      });
      await until(
        'the gated pod',
        () => admin().core.readNamespacedPod({ namespace, name: 'gated' }),
        (p) => p.status?.conditions?.some((c) => c.reason === 'SchedulingGated') === true,
      );
      return undefined;
    },
    found: byKey(/^Pod\/.*\/gated\/scheduling-gated$/),
  },
  {
    analyzer: 'pod',
    check: 'evicted pod',
    seed: async (namespace) => {
      await admin().core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'evicted', labels: { 'kubemend.test/fail': 'true' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'registry.example/app:1' }] },
        },
      });
      await until(
        'the pod to stop',
        () => admin().core.readNamespacedPod({ namespace, name: 'evicted' }),
        (p) => p.status?.phase === 'Failed',
      );
      // What a kubelet under memory pressure writes.
      await admin().core.patchNamespacedPodStatus(
        {
          namespace,
          name: 'evicted',
          body: { status: { reason: 'Evicted', message: 'The node was low on resource: memory.' } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return undefined;
    },
    found: byKey(/^Pod\/.*\/evicted\/evicted$/),
  },
  {
    analyzer: 'pod',
    check: 'container waiting with an error (image pull)',
    seed: async (namespace) => {
      await createDeployment(namespace, 'badimage', {
        image: 'registry.example/app:404',
        labels: { 'kubemend.test/waiting-reason': 'ImagePullBackOff' },
        annotations: { 'kubemend.test/waiting-message': 'Back-off pulling image "registry.example/app:404"' },
      });
      await until(
        'a pod in ImagePullBackOff',
        async () => (await admin().core.listNamespacedPod({ namespace, labelSelector: 'app=badimage' })).items,
        (pods) => pods.some((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff'),
      );
      return undefined;
    },
    found: byKey(/^Deployment\/.*\/badimage\/bad-image$/),
  },
  {
    analyzer: 'pod / deployment',
    check: 'last termination reason of a crashing container; Deployment with fewer available replicas than desired',
    seed: async (namespace) => {
      await createDeployment(namespace, 'crasher', { labels: { 'kubemend.test/crash-loop': 'true' } });
      await until(
        'a crash-looping pod',
        async () => (await admin().core.listNamespacedPod({ namespace, labelSelector: 'app=crasher' })).items,
        (pods) => pods.some((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff'),
      );
      return undefined;
    },
    found: byKey(/^Deployment\/.*\/crasher\/app-crash$/),
  },
  {
    analyzer: 'statefulset',
    check: 'volumeClaimTemplates using a storage class that does not exist',
    seed: async (namespace) => {
      await create({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace },
        spec: {
          replicas: 1,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: { containers: [{ name: 'db', image: 'registry.example/db:16' }] },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: {
                accessModes: ['ReadWriteOnce'],
                storageClassName: 'does-not-exist',
                resources: { requests: { storage: '1Gi' } },
              },
            },
          ],
        },
      });
      return undefined;
    },
    found: byKey(/^StatefulSet\/.*\/db\/missing-storage-class$/),
  },
  {
    analyzer: 'replicaset',
    check: 'ReplicaFailure / FailedCreate (here: an exhausted quota)',
    seed: async (namespace) => {
      await admin().core.createNamespacedResourceQuota({
        namespace,
        body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } },
      });
      await until(
        'the quota to be counted',
        () => admin().core.readNamespacedResourceQuota({ namespace, name: 'no-pods' }),
        (q) => q.status?.used?.pods !== undefined,
      );
      await create({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'legacy', namespace },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'legacy' } },
          template: {
            metadata: { labels: { app: 'legacy' } },
            spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
          },
        },
      });
      await until(
        'ReplicaFailure',
        () => objects().read({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'legacy', namespace } }),
        (rs) =>
          ((rs as { status?: { conditions?: { type: string }[] } }).status?.conditions ?? []).some(
            (c) => c.type === 'ReplicaFailure',
          ),
        60_000,
      );
      return undefined;
    },
    found: byKey(/^ReplicaSet\/.*\/legacy\/replica-failure$/),
  },
  {
    analyzer: 'job',
    check: 'failed Job',
    seed: async (namespace) => {
      await create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'failing', namespace },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels: { 'kubemend.test/fail': 'true' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'registry.example/job:1' }] },
          },
        },
      });
      await until(
        'the Job to fail',
        () => objects().read({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'failing', namespace } }),
        (job) =>
          ((job as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? []).some(
            (c) => c.type === 'Failed' && c.status === 'True',
          ),
        60_000,
      );
      return undefined;
    },
    found: byKey(/^Job\/.*\/failing\//),
  },
  {
    analyzer: 'job',
    check: 'suspended Job',
    seed: async (namespace) => {
      await create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'paused', namespace },
        spec: {
          suspend: true,
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'registry.example/job:1' }] },
          },
        },
      });
      return undefined;
    },
    found: byKey(/^Job\/.*\/paused\/job-suspended$/),
  },
  {
    analyzer: 'cronjob',
    check: 'suspended CronJob',
    seed: async (namespace) => {
      await create({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly', namespace },
        spec: {
          schedule: '0 3 * * *',
          suspend: true,
          jobTemplate: {
            spec: {
              template: {
                spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.example/c:1' }] },
              },
            },
          },
        },
      });
      return undefined;
    },
    found: byKey(/^CronJob\/.*\/nightly\/cronjob-suspended$/),
  },
  {
    analyzer: 'cronjob',
    check: 'invalid schedule',
    seed: (namespace) =>
      refused(
        create({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'badschedule', namespace },
          spec: {
            schedule: '61 * * * *',
            jobTemplate: {
              spec: {
                template: {
                  spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.example/c:1' }] },
                },
              },
            },
          },
        }),
      ),
    found: byKey(/^CronJob\/.*\/badschedule\/cronjob-invalid-schedule$/),
  },
  {
    analyzer: 'cronjob',
    check: 'negative startingDeadlineSeconds',
    seed: (namespace) =>
      refused(
        create({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'negative', namespace },
          spec: {
            schedule: '0 3 * * *',
            startingDeadlineSeconds: -5,
            jobTemplate: {
              spec: {
                template: {
                  spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.example/c:1' }] },
                },
              },
            },
          },
        }),
      ),
    found: byKey(/^CronJob\/.*\/negative\/cronjob-negative-deadline$/),
  },
  {
    analyzer: 'pvc',
    check: 'Pending PVC with a ProvisioningFailed event',
    seed: async (namespace) => {
      await admin().core.createNamespacedPersistentVolumeClaim({
        namespace,
        body: {
          metadata: { name: 'scratch' },
          spec: {
            storageClassName: 'no-provisioner',
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
          },
        },
      });
      const claim = await admin().core.readNamespacedPersistentVolumeClaim({ namespace, name: 'scratch' });
      const now = new Date();
      // What an external provisioner records when it cannot create the volume.
      await admin().core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `scratch.${randomBytes(4).toString('hex')}`, namespace },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            name: 'scratch',
            namespace,
            uid: claim.metadata?.uid,
          },
          reason: 'ProvisioningFailed',
          message: 'storageclass.storage.k8s.io "no-provisioner" not found',
          type: 'Warning',
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component: 'persistentvolume-controller' },
        },
      });
      return undefined;
    },
    found: byKey(/^PersistentVolumeClaim\/.*\/scratch\/pvc-pending$/),
  },
  {
    analyzer: 'hpa',
    check: 'scaleTargetRef that does not exist',
    seed: async (namespace) => {
      await create({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'orphan', namespace },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'missing' },
          minReplicas: 1,
          maxReplicas: 3,
        },
      });
      return undefined;
    },
    found: byKey(/^HorizontalPodAutoscaler\/.*\/orphan\/hpa-missing-target$/),
  },
  {
    analyzer: 'hpa',
    check: 'target pods without resource requests',
    seed: async (namespace) => {
      await createDeployment(namespace, 'norequests');
      await create({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'norequests', namespace },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'norequests' },
          minReplicas: 1,
          maxReplicas: 3,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          ],
        },
      });
      return undefined;
    },
    found: byKey(/^HorizontalPodAutoscaler\/.*\/norequests\/hpa-missing-requests$/),
  },
  {
    analyzer: 'pdb',
    check: 'DisruptionAllowed=False (not enough healthy pods)',
    seed: async (namespace) => {
      await createDeployment(namespace, 'guarded', { labels: { 'kubemend.test/crash-loop': 'true' } });
      await createPdb(namespace, 'guarded', 1, 1, 60_000);
      return undefined;
    },
    found: byKey(/^PodDisruptionBudget\/.*\/guarded\//),
  },
  {
    analyzer: 'node',
    check: 'node condition not OK (Ready=False)',
    seed: async (namespace) => {
      const name = `${namespace}-node`;
      await createUnmanagedNode(name, [
        { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy' },
      ]);
      return undefined;
    },
    found: (findings, namespace) =>
      findings.find((finding) => finding.kind === 'Node' && finding.name === `${namespace}-node`),
  },
];

/** Seeds every scenario in a fresh namespace each; returns what the API server refused. */
export async function seedBrokenWorkloads(): Promise<
  { scenario: BrokenWorkload; namespace: string; refused?: string }[]
> {
  const seeded = [];
  for (const [index, scenario] of BROKEN_WORKLOADS.entries()) {
    const namespace = await createNamespace(`broken-${index}`);
    seeded.push({ scenario, namespace, refused: await scenario.seed(namespace) });
  }
  return seeded;
}
