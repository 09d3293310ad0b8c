import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import type { AgentConfig } from '../../lib/config/agent-config.ts';
import { detectors } from '../../lib/detect/registry.ts';
import type { Mode, Outcome, Plan } from '../../lib/domain/types.ts';
import { handleAlert } from '../../lib/pipeline/detect.ts';
import { approve, createManualRecord } from '../../lib/pipeline/manual.ts';
import type { PlanMessage } from '../../lib/pipeline/messages.ts';
import { renderRemediatorBindings, REMEDIATOR_GROUP } from '../../lib/rbac.ts';
import { retryName } from '../../lib/remediate/retry-job.ts';
import { memoryStore, recordingQueue, silentLogger } from '../helpers/support.ts';
import {
  admin,
  applyShippedRbac,
  applyYaml,
  createDeployment,
  createFailedJob,
  createHpa,
  createNamespace,
  createStorageClass,
  createPdb,
  enforcing,
  firingAlert,
  providerFor,
  remediateOnCluster,
  rolledOut,
  rollOutBadImage,
  until,
} from '../testenv/cluster.ts';

/**
 * Every fix on a real control plane, as the remediator identity under the shipped RBAC (plus the
 * node role, which the shipped config leaves unbound): the write, the verification the real
 * controllers and kwok answer, and the undo when the target does not recover.
 */
const store = memoryStore();
const config = (
  overrides: { limits?: Partial<AgentConfig['defaults']['limits']>; verifySeconds?: number; share?: number } = {},
) =>
  enforcing({
    limits: overrides.limits,
    verify: { timeoutSeconds: overrides.verifySeconds ?? 60, intervalSeconds: 1 },
    maxUnavailableShare: overrides.share,
  });
/**
 * Other suites leave NotReady nodes in the shared test cluster, so the node share cap would count
 * them; the node tests lift it (its refusal is covered on pods in the unit suite).
 */
const NODE_SHARE = 1;
const remediate = (id: string, agentConfig: AgentConfig = config()) => remediateOnCluster(id, store, agentConfig);

async function runByHand(plan: Plan, agentConfig?: AgentConfig, mode: Mode = 'enforce'): Promise<Outcome> {
  const record = await createManualRecord(store, {
    plan,
    by: 'sre@example.com',
    mode,
    now: new Date(),
    leaseMs: 60_000,
  });
  const outcome = await remediate(record.id, agentConfig);
  return outcome;
}

async function deploymentOf(namespace: string, name: string) {
  return admin().apps.readNamespacedDeployment({ namespace, name });
}

beforeAll(async () => {
  await applyShippedRbac();
  // Node fixes need the cluster-wide node role, bound only when a rule enables one. The namespaces
  // are bound one by one (createNamespace), as the rules' allow lists bind them.
  await applyYaml(renderRemediatorBindings([], REMEDIATOR_GROUP, true));
});

afterAll(async () => {
  await admin()
    .objects.delete({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kubemend-remediator-nodes' },
    })
    .catch(() => undefined);
  await store.close();
});

const DRAIN_TAINT = 'kubemend.test/drain';

describe('fixes on a real control plane', () => {
  it('rolls a bad rollout back after approval, and verifies the restored revision (rollout-undo)', async () => {
    const namespace = await createNamespace('undo', { labels: { 'kubemend.io/allow-rollback': 'true' } });
    await createDeployment(namespace, 'checkout', { replicas: 2 });
    await rolledOut(namespace, 'checkout', 2);
    await rollOutBadImage(namespace, 'checkout', 'registry.example/checkout:1.15.0-broken');
    await until(
      'the bad revision’s pods to report the pull error',
      async () => (await admin().core.listNamespacedPod({ namespace })).items,
      (pods) => pods.some((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff'),
    );
    const plans = recordingQueue<PlanMessage>();
    const alert = firingAlert('deployment-rollout-stuck.json', { namespace, deployment: 'checkout' });
    // The alert fires a minute after the rollout, as kube-prometheus' `for:` clause has it.
    alert.startsAt = new Date(Date.now() + 60_000).toISOString();
    const diagnosed = await handleAlert(
      { kind: 'alert', alert, receivedAt: new Date().toISOString(), receiver: 'kubemend', groupKey: 'g' },
      {
        store,
        config: config(),
        detectors,
        kube: providerFor('detector'),
        plans,
        clock: () => new Date(),
        logger: silentLogger,
        leaseMs: 60_000,
      },
    );
    expect(diagnosed.plan).toMatchObject({ action: 'rollout-undo', params: { fromRevision: '2', toRevision: '1' } });

    const waiting = await remediate(diagnosed.id);
    expect(waiting.stage).toBe('awaiting-approval');
    expect((await deploymentOf(namespace, 'checkout')).spec?.template.spec?.containers[0]?.image).toBe(
      'registry.example/checkout:1.15.0-broken',
    );

    await approve(store, { id: diagnosed.id, by: 'sre@example.com', now: new Date(), leaseMs: 60_000 });
    const outcome = await remediate(diagnosed.id);

    expect(outcome).toMatchObject({
      result: 'applied',
      approval: { by: 'sre@example.com' },
      verification: { status: 'verified', detail: 'all 2 replicas updated and available' },
    });
    expect(outcome.diff).toEqual(
      expect.arrayContaining([
        'spec.template.spec.containers[0].image: "registry.example/checkout:1.15.0-broken" → "registry.example/checkout:1.14.2"',
      ]),
    );
    const after = await deploymentOf(namespace, 'checkout');
    expect(after.spec?.template.spec?.containers[0]?.image).toBe('registry.example/checkout:1.14.2');
    expect(after.spec?.template.metadata?.labels?.['kubemend.test/waiting-reason']).toBeUndefined();
  }, 120_000);

  it('undoes a memory raise whose new pods crash again, and records it failed (raise-memory)', async () => {
    const namespace = await createNamespace('memory');
    // Every pod of this Deployment crash loops (kwok), so the raised revision cannot recover.
    await createDeployment(namespace, 'worker', {
      replicas: 1,
      labels: { 'kubemend.test/crash-loop': 'true' },
      annotations: { 'kubemend.test/exit-code': '137', 'kubemend.test/exit-reason': 'OOMKilled' },
      limits: { memory: '256Mi' },
      requests: { memory: '128Mi' },
    });
    const before = await deploymentOf(namespace, 'worker');

    const outcome = await runByHand({
      action: 'raise-memory',
      target: { kind: 'Deployment', namespace, name: 'worker' },
      params: { container: 'app', fromLimit: '256Mi', fromRequest: '128Mi' },
      reason: 'OOM-killed',
    });

    expect(outcome).toMatchObject({
      result: 'failed',
      change: `raised memory of container app in deployment ${namespace}/worker: limit 256Mi → 384Mi, request 128Mi → 192Mi`,
      verification: {
        status: 'worse',
        undone: 'set the memory of container app back to limit 256Mi, request 128Mi',
      },
    });
    expect(outcome.verification?.detail).toMatch(/^new pod worker-\w+-\w+: container app CrashLoopBackOff/);
    const after = await deploymentOf(namespace, 'worker');
    expect(after.spec?.template.spec?.containers[0]?.resources).toEqual(
      before.spec?.template.spec?.containers[0]?.resources,
    );
  }, 120_000);

  it('scales within the limit and verifies the new replicas; refuses one an HPA manages (scale)', async () => {
    const namespace = await createNamespace('scale');
    await createDeployment(namespace, 'api', { replicas: 1 });
    await rolledOut(namespace, 'api', 1);

    const outcome = await runByHand({
      action: 'scale',
      target: { kind: 'Deployment', namespace, name: 'api' },
      params: { from: 1, replicas: 3 },
      reason: 'by hand',
    });

    expect(outcome).toMatchObject({
      result: 'applied',
      trigger: { kind: 'manual', by: 'sre@example.com' },
      verification: { status: 'verified', detail: 'all 3 replicas updated and available' },
      undo: { replicas: 1 },
    });
    expect((await deploymentOf(namespace, 'api')).status?.availableReplicas).toBe(3);

    await createHpa(namespace, 'api', { minReplicas: 1, maxReplicas: 5, cpuUtilization: 70 });
    const refused = await runByHand({
      action: 'scale',
      target: { kind: 'Deployment', namespace, name: 'api' },
      params: { from: 3, replicas: 4 },
      reason: 'by hand',
    });
    expect(refused).toMatchObject({
      result: 'refused',
      reason: "HPA api manages its replicas and would undo a scale; change the HPA's bounds instead",
    });
  }, 120_000);

  it('expands a bound volume whose class allows it, and verifies the capacity (expand-pvc)', async () => {
    const namespace = await createNamespace('expand');
    const className = await createStorageClass({ allowVolumeExpansion: true });
    const volume = `pv-${namespace}`;
    await admin().core.createPersistentVolume({
      body: {
        metadata: { name: volume },
        spec: {
          capacity: { storage: '10Gi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: className,
          csi: { driver: 'ebs.csi.aws.com', volumeHandle: `vol-${namespace}` },
          claimRef: { namespace, name: 'data' },
        },
      },
    });
    await admin().core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'data' },
        spec: {
          storageClassName: className,
          volumeName: volume,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '10Gi' } },
        },
      },
    });
    await until(
      'the claim to bind',
      () => admin().core.readNamespacedPersistentVolumeClaim({ namespace, name: 'data' }),
      (pvc) => pvc.status?.phase === 'Bound',
      60_000,
    );

    const running = runByHand({
      action: 'expand-pvc',
      target: { kind: 'PersistentVolumeClaim', namespace, name: 'data' },
      params: { from: '10Gi' },
      reason: 'filling up',
    });
    // The CSI resizer's part: once the claim asks for more, report the grown capacity.
    await until(
      'the claim to ask for 15Gi',
      () => admin().core.readNamespacedPersistentVolumeClaim({ namespace, name: 'data' }),
      (pvc) => pvc.spec?.resources?.requests?.storage === '15Gi',
    );
    await admin().core.patchNamespacedPersistentVolumeClaimStatus(
      { namespace, name: 'data', body: { status: { capacity: { storage: '15Gi' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const outcome = await running;

    expect(outcome).toMatchObject({
      result: 'applied',
      change: `expanded PVC ${namespace}/data from 10Gi to 15Gi`,
      verification: { status: 'verified', detail: 'capacity is 15Gi' },
    });
  }, 120_000);

  it('re-runs a failed Job from its template, and escalates when the new run does not finish (retry-job)', async () => {
    const namespace = await createNamespace('retry', { labels: { 'kubemend.io/allow-retry': 'true' } });
    const uid = await createFailedJob(namespace, 'nightly-report', {
      backoffLimit: 0,
      container: 'job',
      image: 'registry.example/report:1',
    });

    const outcome = await runByHand(
      {
        action: 'retry-job',
        target: { kind: 'Job', namespace, name: 'nightly-report', uid },
        params: { uid },
        reason: 'by hand',
      },
      config({ verifySeconds: 30 }),
    );

    const rerun = retryName('nightly-report', uid);
    expect(outcome.change).toBe(
      `re-ran failed job ${namespace}/nightly-report as job ${rerun} and deleted the failed one with its pods`,
    );
    // The same template fails the same way: nothing to undo, so it is escalated.
    expect(outcome).toMatchObject({ result: 'failed', verification: { status: 'worse' } });
    expect(outcome.reason).toMatch(/this fix has no undo: escalated$/);
    const jobs = await admin().objects.list('batch/v1', 'Job', namespace);
    expect(jobs.items.map((j) => j.metadata?.name)).toEqual([rerun]);
  }, 120_000);

  describe('node fixes', () => {
    /** A kwok node only pods that tolerate DRAIN_TAINT land on, so other suites never use it. */
    async function kwokNode(): Promise<string> {
      const name = `kwok-drain-${randomBytes(3).toString('hex')}`;
      await admin().core.createNode({
        body: {
          metadata: { name, labels: { 'kubernetes.io/hostname': name, type: 'kwok' } },
          spec: { taints: [{ key: DRAIN_TAINT, effect: 'NoSchedule' }] },
        },
      });
      await until(
        `node ${name} to become Ready`,
        () => admin().core.readNode({ name }),
        (node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
      );
      return name;
    }

    const nodePlan = (action: string, node: string): Plan => ({
      action,
      target: { kind: 'Node', name: node },
      params: {},
      reason: 'by hand',
    });

    it('cordons a node and verifies it (cordon-node)', async () => {
      const node = await kwokNode();

      const outcome = await runByHand(nodePlan('cordon-node', node), config({ share: NODE_SHARE }));

      expect(outcome).toMatchObject({
        result: 'applied',
        change: `cordoned node ${node}`,
        verification: { status: 'verified' },
      });
      expect((await admin().core.readNode({ name: node })).spec?.unschedulable).toBe(true);
      await admin().core.deleteNode({ name: node });
    }, 120_000);

    it('drains through evictions, honours a PodDisruptionBudget, and uncordons when the drain cannot finish (drain-node)', async () => {
      const node = await kwokNode();
      const namespace = await createNamespace('drain');
      const pinned = {
        nodeSelector: { 'kubernetes.io/hostname': node },
        tolerations: [{ key: DRAIN_TAINT, operator: 'Exists' as const, effect: 'NoSchedule' }],
      };
      await createDeployment(namespace, 'free', { replicas: 2, ...pinned });
      await createDeployment(namespace, 'guarded', { replicas: 1, ...pinned });
      await rolledOut(namespace, 'free', 2);
      await rolledOut(namespace, 'guarded', 1);
      await createPdb(namespace, 'guarded', 1, 1);
      const before = (await admin().core.listNamespacedPod({ namespace })).items;

      const outcome = await runByHand(
        nodePlan('drain-node', node),
        config({ limits: { drainTimeoutSeconds: 3 }, verifySeconds: 5, share: NODE_SHARE }),
      );

      expect(outcome.change).toMatch(
        new RegExp(
          `^cordoned and drained node ${node}: 2 pods evicted; 1 held back by PodDisruptionBudgets: ${namespace}/guarded-`,
        ),
      );
      expect(outcome).toMatchObject({
        result: 'failed',
        verification: { status: 'not-recovered', undone: `uncordoned node ${node}` },
      });
      expect((await admin().core.readNode({ name: node })).spec?.unschedulable).toBeFalsy();
      // The evicted pods are gone (their replacements, pinned to this node, wait for it), the guarded one stays.
      const now = (await admin().core.listNamespacedPod({ namespace })).items;
      const live = (uid: string | undefined) =>
        now.some((p) => p.metadata?.uid === uid && p.metadata?.deletionTimestamp === undefined);
      expect(before.filter((p) => p.metadata?.labels?.app === 'free').map((p) => live(p.metadata?.uid))).toEqual([
        false,
        false,
      ]);
      expect(before.filter((p) => p.metadata?.labels?.app === 'guarded').map((p) => live(p.metadata?.uid))).toEqual([
        true,
      ]);
      await admin().core.deleteNode({ name: node });
    }, 120_000);
  });
});
