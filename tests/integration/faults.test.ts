import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';

import type { AgentConfig } from '../../lib/config/agent-config.ts';
import type { Outcome } from '../../lib/domain/types.ts';
import { AlreadyClaimedError, describeError } from '../../lib/errors.ts';
import { configKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createDynamoTargetGuard } from '../../lib/guardrails/target-guard.ts';
import { createKubeConfigKubeApi } from '../../lib/kube/kubeconfig.ts';
import { DEFAULT_RETRY } from '../../lib/http/retry.ts';
import { createManualRecord } from '../../lib/pipeline/manual.ts';
import { handlePlan, type RemediateDeps } from '../../lib/pipeline/remediate.ts';
import { renderRemediatorBindings } from '../../lib/rbac.ts';
import { workloadFacts } from '../../lib/detect/facts.ts';
import { isRefusal } from '../../lib/remediate/remediator.ts';
import { RESTARTED_AT_ANNOTATION, planRestart } from '../../lib/remediate/rollout-restart.ts';
import { remediators } from '../../lib/remediate/registry.ts';
import { createDynamoOutcomeStore } from '../../lib/store/dynamodb-outcome-store.ts';
import { createOutcomesTable } from '../helpers/dynamodb.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';
import { silentLogger } from '../helpers/support.ts';
import { applyShippedRbac, applyYaml, createDeployment, enforcing, until } from '../testenv/cluster.ts';
import { startControlPlane, type ControlPlane } from '../testenv/control-plane.ts';
import { seededRandom, startFaultProxy, type Fault, type FaultProxy } from '../testenv/fault-proxy.ts';

/**
 * kubemend under faults, on a control plane of its own (so that etcd and the API server can be
 * restarted mid-fix without disturbing other suites): a proxy between the remediator and the
 * kube-apiserver answers some requests with 500/503, some with 429 and Retry-After, delays some
 * by 2 s and drops connections before and after forwarding; another in front of the AWS emulator
 * throttles DynamoDB and fails it, and drops all its connections for a while. etcd and the API
 * server are each restarted once during the run.
 *
 * Over 200 rollout restarts, each driven as the plan queue would (retried until the record is
 * final): every record ends final, every change in the cluster belongs to a record that says it
 * was made, no record claims a change the cluster did not get, and no fix is made twice.
 */
const WORKLOADS = 20;
const ROUNDS = 10;
const NAMESPACE = 'faults';
/**
 * How long the suite keeps delivering one plan before it calls it lost: a record whose worker
 * could not even save its unfinished state keeps its lease (up to lease + verification, 25 s here).
 */
const DELIVER_FOR_MS = 120_000;

let controlPlane: ControlPlane;
let moto: Moto;
let kubeProxy: FaultProxy;
let storeProxy: FaultProxy;
let admin: { apps: AppsV1Api; core: CoreV1Api };
const tableName = 'kubemend-faults';

const random = seededRandom(20261127);

/** About one Kubernetes request in five fails in some way. */
function kubeFault(): Fault | undefined {
  const roll = random();
  const status = (code: number, reason: string, message: string, headers?: Record<string, string>): Fault => ({
    kind: 'status',
    status: code,
    ...(headers === undefined ? {} : { headers }),
    body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code },
  });
  if (roll < 0.04) return status(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out');
  if (roll < 0.08) return status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
  if (roll < 0.12) {
    return status(429, 'TooManyRequests', 'too many requests, please try again later', { 'retry-after': '1' });
  }
  if (roll < 0.15) return { kind: 'delay', ms: 2_000 };
  if (roll < 0.17) return { kind: 'reset-before' };
  if (roll < 0.2) return { kind: 'reset-after' };
  return undefined;
}

/** About one DynamoDB request in twenty is throttled or fails. */
function storeFault(): Fault | undefined {
  const roll = random();
  const error = (code: number, type: string, message: string): Fault => ({
    kind: 'status',
    status: code,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message },
  });
  if (roll < 0.03) {
    return error(
      400,
      'ProvisionedThroughputExceededException',
      'The level of configured provisioned throughput was exceeded',
    );
  }
  if (roll < 0.05) return error(500, 'InternalServerError', 'Internal server error');
  return undefined;
}

beforeAll(async () => {
  [controlPlane, moto] = await Promise.all([startControlPlane(), startMoto()]);
  const adminConfig = new KubeConfig();
  adminConfig.loadFromFile(controlPlane.kubeconfig);
  adminConfig.setCurrentContext('admin');
  admin = { apps: adminConfig.makeApiClient(AppsV1Api), core: adminConfig.makeApiClient(CoreV1Api) };
  const objects = KubernetesObjectApi.makeApiClient(adminConfig);
  await applyShippedRbac(objects);
  await admin.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  // The namespace the rules allow, bound as `npm run rbac` binds it.
  await applyYaml(renderRemediatorBindings([NAMESPACE]), objects);
  await until(
    'the namespace’s default ServiceAccount',
    () => admin.core.listNamespacedServiceAccount({ namespace: NAMESPACE }),
    (list) => list.items.some((account) => account.metadata?.name === 'default'),
  );
  for (let index = 0; index < WORKLOADS; index += 1) {
    // Every ReplicaSet is kept, so that the cluster's own history shows each restart made.
    await createDeployment(NAMESPACE, `app-${index}`, { revisionHistoryLimit: ROUNDS + 5 }, admin.apps);
  }
  const direct = moto.dynamodb();
  await createOutcomesTable(direct, tableName);
  direct.destroy();
  kubeProxy = await startFaultProxy({
    upstream: controlPlane.server,
    ca: Buffer.from(controlPlane.caData, 'base64'),
    choose: kubeFault,
  });
  storeProxy = await startFaultProxy({ upstream: moto.endpoint, choose: storeFault });
}, 180_000);

afterAll(async () => {
  await kubeProxy?.stop();
  await storeProxy?.stop();
  await moto?.stop();
  await controlPlane?.stop();
}, 60_000);

/** The remediator as the Lambda builds it, with its cluster and its store behind the proxies. */
function remediatorDeps(config: AgentConfig): RemediateDeps {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.kubeconfig);
  kubeConfig.setCurrentContext('remediator');
  const context = kubeConfig.getContextObject('remediator')!;
  const user = kubeConfig.getUser(context.user)!;
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: [{ name: 'faulty', server: kubeProxy.url, skipTLSVerify: true }],
    users: [{ name: 'remediator', token: user.token! }],
    contexts: [{ name: 'faulty', cluster: 'faulty', user: 'remediator' }],
    currentContext: 'faulty',
  });
  const kube = createKubeConfigKubeApi(proxied, { timeoutMs: 10_000 });
  const dynamo = new DynamoDBClient({ ...moto.clientOptions, endpoint: storeProxy.url });
  return {
    store: createDynamoOutcomeStore(dynamo, { tableName, retentionDays: 1 }),
    targetGuard: createDynamoTargetGuard(dynamo, { tableName }),
    config,
    remediators,
    kube: async () => kube,
    killSwitch: configKillSwitch(false),
    clock: () => new Date(),
    logger: silentLogger,
    leaseMs: 5_000,
  };
}

/** The test's own reads, straight to the API server: retried while it restarts. */
async function patiently<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 120) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Delivers plan `id` as the plan queue does (again after a failure, a little later) until it is final. */
async function deliverUntilFinal(id: string, deps: RemediateDeps, errors: string[]): Promise<number> {
  let last = '';
  const deadline = Date.now() + DELIVER_FOR_MS;
  for (let delivery = 1; Date.now() < deadline; delivery += 1) {
    try {
      const outcome = await handlePlan({ kind: 'plan', id }, deps);
      if (outcome.stage === 'done') return delivery;
      last = `returned at stage ${outcome.stage}: ${outcome.reason ?? ''}`;
    } catch (error) {
      errors.push(error instanceof AlreadyClaimedError ? 'already_claimed' : describeError(error).code);
      last = describeError(error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 500 + random() * 500));
  }
  throw new Error(`plan ${id} not final after ${DELIVER_FOR_MS / 1000} s of deliveries; last: ${last}`);
}

describe('remediation under faults', () => {
  it('keeps the records and the cluster in step over 200 fixes through API, etcd and store failures', async () => {
    const config: AgentConfig = {
      ...enforcing({ verify: { timeoutSeconds: 20, intervalSeconds: 1 } }),
      defaults: {
        ...enforcing().defaults,
        verify: { timeoutSeconds: 20, intervalSeconds: 1 },
        cooldownMinutes: 0,
        caps: { perNamespace: 10_000, perCluster: 10_000, windowMinutes: 60 },
      },
    };
    const deps = remediatorDeps(config);
    // Records are created on a store path without faults: a person's `kubemend run` that fails
    // says so to the person; what is under test is the remediation once the record exists.
    const setupStore = createDynamoOutcomeStore(moto.dynamodb(), { tableName, retentionDays: 1 });
    const errors: string[] = [];
    const ids: string[] = [];
    let finished = 0;
    const disruptions: Promise<void>[] = [];
    const disruptAt = (count: number) => {
      if (count === 60) disruptions.push(controlPlane.restart('etcd'));
      if (count === 100) storeProxy.outage(3_000);
      if (count === 130) disruptions.push(controlPlane.restart('kube-apiserver'));
    };

    // Prepare / Act: one worker per Deployment, ten restarts each, one after another.
    const deliveries = await Promise.all(
      Array.from({ length: WORKLOADS }, async (_, index) => {
        const name = `app-${index}`;
        const counts: number[] = [];
        for (let round = 0; round < ROUNDS; round += 1) {
          const workload = await patiently(() => admin.apps.readNamespacedDeployment({ namespace: NAMESPACE, name }));
          const plan = planRestart(
            {
              detector: 'fault-suite',
              anomaly: 'crash-loop',
              target: { kind: 'Deployment', namespace: NAMESPACE, name },
              summary: 'fault suite',
              confidence: 1,
              evidence: [],
              facts: { workload: workloadFacts('Deployment', workload) },
            },
            new Date(),
          );
          if (isRefusal(plan)) throw new Error(`no restart planned for ${name}: ${plan.refused}`);
          const record = await createManualRecord(setupStore, {
            plan,
            by: 'fault-suite',
            mode: 'enforce',
            now: new Date(),
            leaseMs: 5_000,
          });
          ids.push(record.id);
          counts.push(await deliverUntilFinal(record.id, deps, errors));
          finished += 1;
          disruptAt(finished);
        }
        return counts;
      }),
    );
    await Promise.all(disruptions);

    // Assert: every record is final.
    const records = (await Promise.all(ids.map((id) => setupStore.get(id)))) as Outcome[];
    const kubeRequests = kubeProxy.requests;
    const tally = (values: readonly string[]) =>
      Object.entries(values.reduce<Record<string, number>>((all, v) => ({ ...all, [v]: (all[v] ?? 0) + 1 }), {}))
        .map(([key, count]) => `${key} ${count}`)
        .join(', ');
    const applied = records.filter((record) => record.result === 'applied').length;
    const faults = kubeRequests.flatMap((r) => (r.fault === undefined ? [] : [r.fault]));
    const storeFaults = storeProxy.requests.flatMap((r) => (r.fault === undefined ? [] : [r.fault]));
    console.log(
      [
        `fault suite: ${records.length} fixes; results: ${tally(records.map((r) => r.result ?? 'none'))}`,
        `deliveries per fix: max ${Math.max(...deliveries.flat())}, more than one for ${deliveries.flat().filter((d) => d > 1).length}`,
        `kube requests ${kubeRequests.length}, faults: ${tally(faults)}`,
        `store requests ${storeProxy.requests.length}, faults: ${tally(storeFaults)}`,
        `errors the queue would retry: ${tally(errors)}`,
        ...[...new Set(records.filter((r) => r.result !== 'applied').map((r) => `${r.result}: ${r.reason}`))].slice(
          0,
          5,
        ),
      ].join('\n'),
    );
    expect(records).toHaveLength(WORKLOADS * ROUNDS);
    expect(records.filter((record) => record.stage !== 'done')).toEqual([]);

    // The cluster's own history: the restartedAt of every ReplicaSet each Deployment has had.
    const made = new Map<string, Set<string>>();
    const replicaSets = await admin.apps.listNamespacedReplicaSet({ namespace: NAMESPACE });
    for (const replicaSet of replicaSets.items) {
      const stamp = replicaSet.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION];
      const owner = replicaSet.metadata?.ownerReferences?.[0]?.name ?? '';
      if (stamp === undefined) continue;
      if (!made.has(owner)) made.set(owner, new Set());
      made.get(owner)!.add(stamp);
    }
    const stampOf = (record: Outcome) => String(record.plan?.params.restartedAt);
    const inCluster = (record: Outcome) => made.get(record.plan?.target.name ?? '')?.has(stampOf(record)) ?? false;

    // Each change the cluster got belongs to a record that says it made it, and only one.
    for (const [owner, stamps] of made) {
      for (const stamp of stamps) {
        const owners = records.filter((r) => r.plan?.target.name === owner && stampOf(r) === stamp);
        expect(owners).toHaveLength(1);
        expect(owners[0]).toMatchObject({ change: expect.stringContaining(stamp) });
        expect(['applied', 'failed']).toContain(owners[0]!.result);
      }
    }
    // No record claims a change the cluster did not get; none that made no change says otherwise.
    for (const record of records) {
      if (record.result === 'applied') expect(inCluster(record)).toBe(true);
      if (!inCluster(record)) expect(record.result).not.toBe('applied');
    }

    // Retries waited and were bounded: a request answered 429 was repeated only after its
    // Retry-After, unless it was the last of its attempts (the three before it failed too).
    // A failed attempt: an injected drop, or a 429/5xx whether the proxy or the API server itself
    // (etcd or the API server restarting) answered it.
    const dropped = new Set(['reset-before', 'reset-after', 'upstream-down', 'outage']);
    const failed = (r: (typeof kubeRequests)[number]) =>
      (r.fault !== undefined && dropped.has(r.fault)) || (r.status ?? 0) >= 429;
    // Only requests about one Deployment: one worker makes them, one after another (discovery
    // and other shared paths are asked by all twenty workers at once).
    const ownedByOneWorker = (path: string) => /app-\d+/.test(path);
    for (const [index, request] of kubeRequests.entries()) {
      if (request.status !== 429 || !ownedByOneWorker(request.path)) continue;
      const same = (r: (typeof kubeRequests)[number]) => r.method === request.method && r.path === request.path;
      const next = kubeRequests.slice(index + 1).find(same);
      if (next === undefined || next.at - request.at >= 990) continue;
      const before = kubeRequests
        .slice(0, index)
        .filter(same)
        .slice(-(DEFAULT_RETRY.attempts - 1));
      expect(before.filter(failed)).toHaveLength(DEFAULT_RETRY.attempts - 1);
    }
    // …and there were enough of them to say so.
    expect(kubeRequests.filter((r) => r.status === 429 && ownedByOneWorker(r.path)).length).toBeGreaterThan(20);

    // The faults did happen, and most fixes still got through.
    expect(faults.length).toBeGreaterThan(100);
    expect(storeFaults.length).toBeGreaterThan(20);
    expect(applied).toBeGreaterThan(records.length / 2);
  }, 900_000);
});
