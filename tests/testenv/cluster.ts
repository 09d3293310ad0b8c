import { randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1Deployment,
  type V1Job,
  type V1Pod,
  type V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

import type { Alert } from '../../lib/alert/schema.ts';
import type { AgentConfig } from '../../lib/config/agent-config.ts';
import { detectors } from '../../lib/detect/registry.ts';
import type { Outcome } from '../../lib/domain/types.ts';
import { loadAgentConfig } from '../../lib/config/agent-config.ts';
import { handleAlert } from '../../lib/pipeline/detect.ts';
import { handlePlan } from '../../lib/pipeline/remediate.ts';
import { remediators } from '../../lib/remediate/registry.ts';
import { renderRemediatorBindings } from '../../lib/rbac.ts';
import { configKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../../lib/guardrails/target-guard.ts';
import type { OutcomeStore } from '../../lib/store/outcome-store.ts';
import { createKubeConfigKubeApi } from '../../lib/kube/kubeconfig.ts';
import type { KubeApi, KubeProvider } from '../../lib/kube/kube-api.ts';
import { alertFixture } from '../helpers/fixtures.ts';
import { memoryStore, silentLogger } from '../helpers/support.ts';
import type { Identity } from './control-plane.ts';

/** The kubeconfig the cluster suites' globalSetup wrote (one context per identity). */
export function testKubeconfig(): string {
  const path = process.env.KUBEMEND_TEST_KUBECONFIG;
  if (path === undefined) throw new Error('no test control plane: run this suite through the cluster jest project');
  return path;
}

export function kubeConfigFor(identity: Identity): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(testKubeconfig());
  config.setCurrentContext(identity);
  return config;
}

/** kubemend's own KubeApi adapter, authenticated as `identity`. */
export function kubeApiFor(identity: Identity): KubeApi {
  return createKubeConfigKubeApi(kubeConfigFor(identity), { timeoutMs: 10_000 });
}

export function providerFor(identity: Identity): KubeProvider {
  const api = kubeApiFor(identity);
  return async () => api;
}

/** client-node clients with cluster-admin rights, for arranging and checking test state. */
export function admin() {
  const config = kubeConfigFor('admin');
  return {
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
  };
}

export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 800)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A fresh namespace, once its default ServiceAccount exists (pods need it). Unless `bound` is false, binds the remediator in it, as an admin does
 * who lists the namespace in `namespaces.allow` and applies what `npm run rbac` generates.
 */
export async function createNamespace(
  prefix: string,
  { bound = true, labels }: { bound?: boolean; labels?: Record<string, string> } = {},
): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const { core } = admin();
  await core.createNamespace({ body: { metadata: { name, ...(labels === undefined ? {} : { labels }) } } });
  if (bound) await applyYaml(renderRemediatorBindings([name]));
  await until(
    `serviceaccount default in ${name}`,
    () => core.listNamespacedServiceAccount({ namespace: name }),
    (list) => list.items.some((account) => account.metadata?.name === 'default'),
  );
  return name;
}

/** The sample alert in `file`, fired now with a fresh fingerprint and `labels` over its own. */
export function firingAlert(file: string, labels: Record<string, string>): Alert {
  const template = alertFixture(file);
  return {
    ...template,
    labels: Object.assign(Object.create(null) as Record<string, string>, template.labels, labels),
    fingerprint: randomBytes(8).toString('hex'),
    startsAt: new Date().toISOString(),
  };
}

/** Creates each object of a YAML stream, leaving ones that already exist as they are. */
export async function applyYaml(text: string, objects = admin().objects): Promise<void> {
  for (const document of parseAllDocuments(text)) {
    const object = document.toJS() as KubernetesObject | null;
    if (object !== null) await createIfAbsent(object, objects);
  }
}

/** Creates an object, leaving one that already exists as it is. */
export async function createIfAbsent(object: KubernetesObject, objects = admin().objects): Promise<void> {
  try {
    await objects.create(object);
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

const shippedFile = (file: string) => readFileSync(join(import.meta.dirname, '../../infra/kubernetes', file), 'utf8');

/**
 * Applies infra/kubernetes as shipped: the roles, the bindings and the remediator's admission
 * policy, and waits until the API server enforces the policy (it compiles it first). To another
 * cluster (`objects`): the roles and bindings only, its identities being that suite's own.
 */
export async function applyShippedRbac(objects?: KubernetesObjectApi): Promise<void> {
  for (const file of ['rbac.yaml', 'remediator-bindings.yaml']) await applyYaml(shippedFile(file), objects);
  if (objects !== undefined) return;
  await applyYaml(shippedFile('remediator-admission.yaml'));
  await remediatorPolicyEnforced();
}

/**
 * Waits until the policy refuses what only it refuses: a retry Job, which RBAC lets the remediator
 * create, in a namespace not labelled for retries (dry-run, so nothing is created).
 */
async function remediatorPolicyEnforced(): Promise<void> {
  const namespace = await createNamespace('admission-probe');
  const batch = kubeConfigFor('remediator').makeApiClient(BatchV1Api);
  const job = {
    metadata: { name: 'probe' },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.example/c:1' }] } },
    },
  };
  await until(
    'the API server to enforce the remediator admission policy',
    () =>
      batch.createNamespacedJob({ namespace, body: job, dryRun: 'All' }).then(
        () => 'admitted',
        (error: unknown) => String((error as { body?: unknown }).body ?? error),
      ),
    (answer) => answer.includes('kubemend-remediator-writes'),
    30_000,
  );
  await admin().core.deleteNamespace({ name: namespace });
}

/** The pod template knobs tests turn: kwok labels and annotations, requests, env. */
export interface TestDeployment {
  replicas?: number;
  image?: string;
  container?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; operator: 'Exists'; effect: string }[];
  env?: { name: string; value: string }[];
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
}

/** Creates a Deployment whose pods are labelled app=<name>. */
export async function createDeployment(
  namespace: string,
  name: string,
  options: TestDeployment = {},
  apps = admin().apps,
): Promise<void> {
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels: { app: name } },
      spec: {
        replicas: options.replicas ?? 1,
        progressDeadlineSeconds: options.progressDeadlineSeconds,
        revisionHistoryLimit: options.revisionHistoryLimit,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, ...options.labels }, annotations: options.annotations },
          spec: {
            containers: [
              {
                name: options.container ?? 'app',
                image: options.image ?? 'registry.example/checkout:1.14.2',
                env: options.env,
                ...(options.requests === undefined && options.limits === undefined
                  ? {}
                  : { resources: { requests: options.requests, limits: options.limits } }),
              },
            ],
            nodeSelector: options.nodeSelector,
            tolerations: options.tolerations,
          },
        },
      },
    },
  });
}

/** Waits until every replica of the Deployment's current revision is available. */
export async function rolledOut(namespace: string, name: string, replicas: number): Promise<V1Deployment> {
  return until(
    `deployment ${namespace}/${name} to roll out`,
    () => admin().apps.readNamespacedDeployment({ namespace, name }),
    (current) =>
      current.status?.availableReplicas === replicas &&
      current.status.conditions?.some((condition) => condition.reason === 'NewReplicaSetAvailable') === true,
  );
}

/** Rolls out a new revision whose pods cannot pull `image` (kwok reports ImagePullBackOff). */
export async function rollOutBadImage(
  namespace: string,
  name: string,
  image: string,
  env?: { name: string; value: string }[],
): Promise<void> {
  await admin().apps.patchNamespacedDeployment(
    {
      namespace,
      name,
      body: {
        spec: {
          template: {
            metadata: {
              labels: { 'kubemend.test/waiting-reason': 'ImagePullBackOff' },
              annotations: { 'kubemend.test/waiting-message': `Back-off pulling image "${image}"` },
            },
            spec: { containers: [{ name: 'app', image, ...(env === undefined ? {} : { env }) }] },
          },
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}

/**
 * A Deployment that rolled out healthy and whose pods then began to crash loop: once the rollout
 * is complete its pods are labelled kubemend.test/crash-loop=true, and kwok
 * (tests/testenv/kwok.yaml) reports their containers in CrashLoopBackOff with the given last exit,
 * as a kubelet would. Pods created later (a restart) start healthy.
 */
export async function createCrashLoopingDeployment(
  namespace: string,
  name: string,
  options: { replicas?: number; exitCode?: number; reason?: string; limits?: Record<string, string> } = {},
): Promise<{ deployment: V1Deployment; pods: V1Pod[] }> {
  const { core } = admin();
  const replicas = options.replicas ?? 2;
  await createDeployment(namespace, name, { replicas, limits: options.limits });
  const deployment = await rolledOut(namespace, name, replicas);
  const running = (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items;
  for (const pod of running) {
    await core.patchNamespacedPod(
      {
        namespace,
        name: pod.metadata!.name!,
        body: {
          metadata: {
            labels: { 'kubemend.test/crash-loop': 'true' },
            annotations: {
              'kubemend.test/exit-code': String(options.exitCode ?? 1),
              'kubemend.test/exit-reason': options.reason ?? 'Error',
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  const pods = await until(
    `${replicas} crash-looping pods of ${namespace}/${name}`,
    async () => (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items,
    (items) =>
      items.length === replicas &&
      items.every((pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff'),
  );
  return { deployment, pods };
}

/** The Warning event a kubelet records for a container in back-off. */
export async function recordBackOffEvent(pod: V1Pod): Promise<void> {
  const namespace = pod.metadata!.namespace!;
  const now = new Date();
  await admin().core.createNamespacedEvent({
    namespace,
    body: {
      metadata: { name: `${pod.metadata!.name!}.${randomBytes(4).toString('hex')}`, namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: pod.metadata!.name,
        namespace,
        uid: pod.metadata!.uid,
        fieldPath: 'spec.containers{app}',
      },
      reason: 'BackOff',
      message: 'Back-off restarting failed container app in pod',
      type: 'Warning',
      count: 12,
      firstTimestamp: new Date(now.getTime() - 600_000),
      lastTimestamp: now,
      source: { component: 'kubelet', host: 'kwok-node-0' },
    },
  });
}

/** A KubePodCrashLooping alert for `pod`, shaped as kube-prometheus sends it. */
export function crashLoopAlertFor(pod: V1Pod): Alert {
  const template = alertFixture();
  const labels = Object.assign(Object.create(null) as Record<string, string>, template.labels, {
    namespace: pod.metadata!.namespace!,
    pod: pod.metadata!.name!,
    cluster: 'test',
  });
  return {
    ...template,
    labels,
    fingerprint: randomBytes(8).toString('hex'),
    startsAt: new Date().toISOString(),
  };
}

/**
 * Runs the detector stage for `alert` as the detector identity, with the shipped rules (or
 * `config`), and returns the record; a plan it hands on goes nowhere (these scenarios diagnose).
 */
export async function diagnoseOnCluster(
  alert: Alert,
  config?: AgentConfig,
  store: OutcomeStore = memoryStore(),
): Promise<Outcome> {
  return handleAlert(
    { kind: 'alert', alert, receivedAt: new Date().toISOString(), receiver: 'kubemend', groupKey: 'g' },
    {
      store,
      config: config ?? { ...shippedConfig(), clusters: [] },
      detectors,
      kube: providerFor('detector'),
      plans: { send: async () => undefined },
      clock: () => new Date(),
      logger: silentLogger,
      leaseMs: 60_000,
    },
  );
}

export function shippedConfig(): AgentConfig {
  return loadAgentConfig(join(import.meta.dirname, '../../config/agent_config.yaml'));
}

/** The shipped config with every rule enforcing, a short verification, and `defaults` overrides. */
export function enforcing(
  overrides: {
    limits?: Partial<AgentConfig['defaults']['limits']>;
    verify?: AgentConfig['defaults']['verify'];
    maxUnavailableShare?: number;
  } = {},
): AgentConfig {
  const shipped = shippedConfig();
  return {
    ...shipped,
    clusters: [],
    defaults: {
      ...shipped.defaults,
      limits: { ...shipped.defaults.limits, ...overrides.limits },
      verify: overrides.verify ?? { timeoutSeconds: 60, intervalSeconds: 1 },
      maxUnavailableShare: overrides.maxUnavailableShare ?? shipped.defaults.maxUnavailableShare,
    },
    // Enforcing needs an allow list: every namespace, and the RoleBindings say where it may write.
    rules: shipped.rules.map((rule) => ({ ...rule, mode: 'enforce' as const, namespaces: { allow: ['*'] } })),
  };
}

const targetGuard = createSqliteTargetGuard(new DatabaseSync(':memory:'));

/** The remediator stage for record `id`, as the remediator identity (kill switch off). */
export function remediateOnCluster(id: string, store: OutcomeStore, config: AgentConfig): Promise<Outcome> {
  return handlePlan(
    { kind: 'plan', id },
    {
      store,
      config,
      remediators,
      kube: providerFor('remediator'),
      killSwitch: configKillSwitch(false),
      targetGuard,
      clock: () => new Date(),
      logger: silentLogger,
      leaseMs: 120_000,
    },
  );
}

/** A PodDisruptionBudget over pods labelled app=<app>, once the disruption controller has counted them. */
export async function createPdb(
  namespace: string,
  app: string,
  minAvailable: number,
  expectedPods: number,
  timeoutMs = 30_000,
): Promise<void> {
  await admin().objects.create({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: app, namespace },
    spec: { minAvailable, selector: { matchLabels: { app } } },
  } as KubernetesObject);
  await until(
    `the disruption controller to count the pods of ${namespace}/${app}`,
    () =>
      admin().objects.read({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: app, namespace },
      }),
    (pdb) => (pdb as { status?: { expectedPods?: number } }).status?.expectedPods === expectedPods,
    timeoutMs,
  );
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime?: Date;
}

/**
 * A node kwok leaves alone (label kubemend.test/unmanaged), with the status conditions a kubelet
 * or the node lifecycle controller would have written.
 */
export async function createUnmanagedNode(
  name: string,
  conditions: readonly NodeCondition[],
  spec: { labels?: Record<string, string>; taints?: { key: string; value?: string; effect: string }[] } = {},
): Promise<void> {
  await admin().core.createNode({
    body: {
      metadata: { name, labels: { 'kubemend.test/unmanaged': 'true', ...spec.labels } },
      ...(spec.taints === undefined ? {} : { spec: { taints: spec.taints } }),
    },
  });
  if (conditions.length === 0) return;
  const now = new Date();
  await admin().core.patchNodeStatus(
    {
      name,
      body: {
        status: {
          conditions: conditions.map((condition) => ({
            ...condition,
            lastHeartbeatTime: condition.lastHeartbeatTime ?? now,
            lastTransitionTime: now,
          })),
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}

/** An autoscaling/v2 HPA scaling Deployment `name` on CPU utilisation of its requests. */
export async function createHpa(
  namespace: string,
  name: string,
  options: { minReplicas: number; maxReplicas: number; cpuUtilization: number },
): Promise<void> {
  await admin().objects.create({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: options.minReplicas,
      maxReplicas: options.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: options.cpuUtilization } },
        },
      ],
    },
  });
}

export async function readHpa(namespace: string, name: string): Promise<V2HorizontalPodAutoscaler> {
  return admin().objects.read<V2HorizontalPodAutoscaler>({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace },
  });
}

/**
 * A Job whose pods fail (kwok, exit code 2) until the Job controller marks it Failed after
 * `backoffLimit` retries; returns its uid.
 */
export async function createFailedJob(
  namespace: string,
  name: string,
  options: { backoffLimit: number; container: string; image: string },
): Promise<string> {
  const created = (await admin().objects.create({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace },
    spec: {
      backoffLimit: options.backoffLimit,
      template: {
        metadata: {
          labels: { 'kubemend.test/fail': 'true' },
          annotations: { 'kubemend.test/exit-code': '2', 'kubemend.test/exit-reason': 'Error' },
        },
        spec: { restartPolicy: 'Never', containers: [{ name: options.container, image: options.image }] },
      },
    },
  } as KubernetesObject)) as V1Job;
  await until(
    `job ${namespace}/${name} to fail`,
    () => admin().objects.read<V1Job>({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace } }),
    (job) => (job.status?.conditions ?? []).some((c) => c.type === 'Failed' && c.status === 'True'),
    60_000,
  );
  return created.metadata?.uid ?? '';
}

/** A StorageClass (provisioner ebs.csi.aws.com, no controller behind it) with a fresh name. */
export async function createStorageClass(options: { allowVolumeExpansion: boolean }): Promise<string> {
  const name = `${options.allowVolumeExpansion ? 'expandable' : 'fixed'}-${randomBytes(3).toString('hex')}`;
  await admin().objects.create({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    provisioner: 'ebs.csi.aws.com',
    allowVolumeExpansion: options.allowVolumeExpansion,
  } as KubernetesObject);
  return name;
}

/** A dry-run write to Deployment `checkout`'s pod template through `api`: what RBAC tests probe with. */
export function dryRunTemplatePatch(api: KubeApi, namespace: string): Promise<unknown> {
  return api.patch(
    'Deployment',
    'checkout',
    namespace,
    // What rollout-restart writes, the one template change the admission policy admits.
    {
      spec: {
        template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } },
      },
    },
    { dryRun: true },
  );
}
