import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';

import type { Alert } from '../../lib/alert/schema.ts';
import { detectors } from '../../lib/detect/registry.ts';
import { ForbiddenError } from '../../lib/errors.ts';
import { configKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../../lib/guardrails/target-guard.ts';
import { handleAlert } from '../../lib/pipeline/detect.ts';
import type { PlanMessage } from '../../lib/pipeline/messages.ts';
import { handlePlan } from '../../lib/pipeline/remediate.ts';
import { remediators } from '../../lib/remediate/registry.ts';
import { RESTARTED_AT_ANNOTATION } from '../../lib/remediate/rollout-restart.ts';
import { createDynamoOutcomeStore } from '../../lib/store/dynamodb-outcome-store.ts';
import type { OutcomeStore } from '../../lib/store/outcome-store.ts';
import { createOutcomesTable } from '../helpers/dynamodb.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';
import { recordingQueue, silentLogger, testConfig } from '../helpers/support.ts';
import {
  admin,
  applyShippedRbac,
  createCrashLoopingDeployment,
  createNamespace,
  createPdb,
  crashLoopAlertFor,
  kubeApiFor,
  providerFor,
  recordBackOffEvent,
  until,
  dryRunTemplatePatch,
} from '../testenv/cluster.ts';
import type { Identity } from '../testenv/control-plane.ts';

/**
 * The crash-loop loop on a real control plane: kube-apiserver + etcd, the controller manager
 * (Deployments → ReplicaSets → Pods, garbage collection), the scheduler and kwok nodes. The
 * detector and the remediator run as separate identities bound by the shipped RBAC, and record
 * into DynamoDB on the AWS emulator.
 */
let moto: Moto;
let dynamo: DynamoDBClient;
let store: OutcomeStore;

beforeAll(async () => {
  moto = await startMoto();
  dynamo = moto.dynamodb();
  await createOutcomesTable(dynamo, 'kubemend-outcomes');
  store = createDynamoOutcomeStore(dynamo, { tableName: 'kubemend-outcomes', retentionDays: 90 });
  await applyShippedRbac();
}, 60_000);

afterAll(async () => {
  await store.close();
  await moto.stop();
});

function pipeline(
  mode: 'dry-run' | 'enforce',
  identities: { detector: Identity; remediator: Identity } = { detector: 'detector', remediator: 'remediator' },
) {
  const config = testConfig({
    rules: [
      {
        alertname: 'KubePodCrashLooping',
        detector: 'crash-loop',
        mode,
        fixes: { 'crash-loop': ['rollout-restart', 'delete-pod'] },
        // RBAC binds each test namespace (createNamespace): the rules may allow them all.
        namespaces: { allow: ['*'] },
      },
    ],
  });
  const plans = recordingQueue<PlanMessage>();
  const common = { store, config, clock: () => new Date(), logger: silentLogger, leaseMs: 60_000 };
  return {
    plans,
    detect: (alert: Alert) =>
      handleAlert(
        { kind: 'alert', alert, receivedAt: new Date().toISOString(), receiver: 'kubemend', groupKey: 'g' },
        {
          ...common,
          detectors,
          plans,
          kube: providerFor(identities.detector),
        },
      ),
    remediate: (id: string) =>
      handlePlan(
        { kind: 'plan', id },
        {
          ...common,
          remediators,
          kube: providerFor(identities.remediator),
          killSwitch: configKillSwitch(false),
          targetGuard: createSqliteTargetGuard(new DatabaseSync(':memory:')),
        },
      ),
  };
}

async function crashLoopingCheckout(prefix: string): Promise<{ namespace: string; pods: V1Pod[]; alert: Alert }> {
  const namespace = await createNamespace(prefix);
  const { pods } = await createCrashLoopingDeployment(namespace, 'checkout');
  await recordBackOffEvent(pods[0]!);
  return { namespace, pods, alert: crashLoopAlertFor(pods[0]!) };
}

async function replicaSets(namespace: string) {
  return (await admin().apps.listNamespacedReplicaSet({ namespace })).items;
}

describe('crash loop on a real control plane', () => {
  it('diagnoses from real objects and events, restarts the rollout, and records it in DynamoDB', async () => {
    const { namespace, pods, alert } = await crashLoopingCheckout('enforce');
    const { detect, remediate, plans } = pipeline('enforce');

    const diagnosed = await detect(alert);
    expect(diagnosed.diagnosis).toMatchObject({
      anomaly: 'crash-loop',
      target: { kind: 'Deployment', namespace, name: 'checkout' },
    });
    expect(diagnosed.plan).toMatchObject({ action: 'rollout-restart' });
    const evidence = diagnosed.diagnosis!.evidence.map((item) => item.message);
    expect(evidence).toEqual(
      expect.arrayContaining([
        expect.stringContaining('container app is waiting: CrashLoopBackOff'),
        'last termination: Error, exit code 1',
        'container app restarted 6 times',
        expect.stringMatching(/^owned by replicaset checkout-\w+ \(revision 1\) of deployment checkout/),
        'BackOff ×12: Back-off restarting failed container app in pod',
      ]),
    );

    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome).toMatchObject({ stage: 'done', result: 'applied', policy: { mode: 'enforce' } });
    expect(await store.get(outcome.id)).toMatchObject({
      result: 'applied',
      change: expect.stringContaining(RESTARTED_AT_ANNOTATION),
    });
    const deployment = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(deployment.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION]).toBe(
      outcome.plan!.params.restartedAt,
    );
    // The controller manager rolls a new ReplicaSet, and the original pods are replaced.
    await until(
      'a second ReplicaSet',
      () => replicaSets(namespace),
      (sets) => sets.length === 2,
    );
    const original = new Set(pods.map((pod) => pod.metadata!.name));
    await until(
      'the original pods to be replaced',
      async () => (await admin().core.listNamespacedPod({ namespace, labelSelector: 'app=checkout' })).items,
      (current) => current.length > 0 && current.every((pod) => !original.has(pod.metadata!.name)),
      60_000,
    );
  }, 120_000);

  it('plans nothing for containers the kubelet reports OOM-killed', async () => {
    const namespace = await createNamespace('oom');
    const { pods } = await createCrashLoopingDeployment(namespace, 'checkout', { exitCode: 137, reason: 'OOMKilled' });
    const { detect, plans } = pipeline('enforce');

    const outcome = await detect(crashLoopAlertFor(pods[0]!));

    expect(outcome).toMatchObject({ result: 'no-action', diagnosis: { anomaly: 'oom-killed' } });
    expect(outcome.plan).toBeUndefined();
    expect(outcome.diagnosis!.evidence.map((item) => item.message)).toContain(
      'last termination: OOMKilled, exit code 137',
    );
    expect(plans.sent).toEqual([]);
    expect(await replicaSets(namespace)).toHaveLength(1);
  }, 120_000);

  it('changes nothing in dry-run: the API server validates the patch and persists nothing', async () => {
    const { namespace, alert } = await crashLoopingCheckout('dryrun');
    const before = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    const { detect, remediate, plans } = pipeline('dry-run');

    await detect(alert);
    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome).toMatchObject({ result: 'dry-run', change: expect.stringMatching(/^would set /) });
    // The API server's answer to the dry run, against the live object: only the annotation.
    expect(outcome.diff).toEqual([
      `spec.template.metadata.annotations: (none) → {"kubectl.kubernetes.io/restartedAt":"${String(outcome.plan!.params.restartedAt)}"}`,
    ]);
    const after = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
    expect(after.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION]).toBeUndefined();
    expect(await replicaSets(namespace)).toHaveLength(1);
  }, 120_000);

  it('retries after a 409 when the Deployment was only scaled since the diagnosis', async () => {
    const { namespace, alert } = await crashLoopingCheckout('scaled');
    const { detect, remediate, plans } = pipeline('enforce');
    const diagnosed = await detect(alert);
    await admin().apps.patchNamespacedDeploymentScale(
      { namespace, name: 'checkout', body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const scaled = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(scaled.metadata?.resourceVersion).not.toBe(diagnosed.plan!.params.resourceVersion);

    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome.result).toBe('applied');
    const after = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(after.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION]).toBe(
      diagnosed.plan!.params.restartedAt,
    );
  }, 120_000);

  it('does not restart after a 409 when a new revision rolled out since the diagnosis', async () => {
    const { namespace, alert } = await crashLoopingCheckout('rolled');
    const { detect, remediate, plans } = pipeline('enforce');
    await detect(alert);
    await admin().apps.patchNamespacedDeployment(
      {
        namespace,
        name: 'checkout',
        body: {
          spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example/checkout:1.14.3' }] } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await until(
      'revision 2',
      () => admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' }),
      (current) => current.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2',
    );

    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome).toMatchObject({ result: 'failed', error: { code: 'conflict' } });
    expect(outcome.reason).toContain('moved to revision 2 since the diagnosis (revision 1)');
    const after = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(after.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION]).toBeUndefined();
  }, 120_000);

  it('records a 403 from RBAC as a refusal with its reason', async () => {
    const { namespace, alert } = await crashLoopingCheckout('forbidden');
    const { detect, remediate, plans } = pipeline('enforce', { detector: 'detector', remediator: 'nobody' });
    await detect(alert);

    const outcome = await remediate(plans.sent[0]!.id);

    expect(outcome).toMatchObject({ result: 'refused', error: { code: 'forbidden' } });
    expect(outcome.reason).toMatch(
      /^RBAC denied the rollout-restart: get deployment .*forbidden: User "nobody" cannot get resource "deployments"/,
    );
    const after = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(after.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION]).toBeUndefined();
  }, 120_000);
});

describe('shipped RBAC on a real API server', () => {
  it('lets the detector read but never write', async () => {
    const { namespace, pods } = await crashLoopingCheckout('rbac');
    const detector = kubeApiFor('detector');

    await expect(detector.getPod(namespace, pods[0]!.metadata!.name!)).resolves.toBeDefined();
    await expect(dryRunTemplatePatch(detector, namespace)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      detector.deletePod(namespace, pods[0]!.metadata!.name!, { dryRun: true, uid: pods[0]!.metadata!.uid! }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  }, 120_000);

  it('lets the remediator do exactly what its fixes declare', async () => {
    const { namespace, pods } = await crashLoopingCheckout('rbacfix');
    const remediator = kubeApiFor('remediator');

    await expect(dryRunTemplatePatch(remediator, namespace)).resolves.toBeDefined();
    await expect(
      remediator.deletePod(namespace, pods[0]!.metadata!.name!, { dryRun: true, uid: pods[0]!.metadata!.uid! }),
    ).resolves.toBeUndefined();
    // Reading pods' events is the detector's job, not the remediator's.
    await expect(remediator.listWarningEvents(namespace, { kind: 'Pod', name: 'x' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  }, 120_000);
});

describe('evictions on a real control plane', () => {
  it('refuses, with the budget’s reason, an eviction a PodDisruptionBudget does not allow', async () => {
    const { namespace, pods, alert } = await crashLoopingCheckout('evict');
    await createPdb(namespace, 'checkout', 2, 2);
    const config = testConfig({
      rules: [
        {
          alertname: 'KubePodCrashLooping',
          detector: 'crash-loop',
          mode: 'enforce',
          fixes: { 'crash-loop': 'evict-pod' },
          namespaces: { allow: [namespace] },
        },
      ],
    });
    // A planned eviction of the first pod, as a detector would hand it on.
    const pod = pods[0]!;
    const id = `${alert.fingerprint}@${alert.startsAt}`;
    const claim = await store.claim({ id, alert, cluster: 'test', now: new Date(), leaseMs: 60_000 });
    if (!claim.claimed) throw new Error('expected a claim');
    await store.save(
      {
        ...claim.outcome,
        stage: 'planned',
        plan: {
          action: 'evict-pod',
          target: { kind: 'Pod', namespace, name: pod.metadata!.name!, uid: pod.metadata!.uid },
          params: { uid: pod.metadata!.uid },
          reason: 'test',
        },
      },
      null,
    );

    const outcome = await handlePlan(
      { kind: 'plan', id },
      {
        store,
        config,
        remediators,
        kube: providerFor('remediator'),
        clock: () => new Date(),
        logger: silentLogger,
        leaseMs: 60_000,
        killSwitch: configKillSwitch(false),
        targetGuard: createSqliteTargetGuard(new DatabaseSync(':memory:')),
      },
    );

    expect(outcome).toMatchObject({ result: 'refused', error: { code: 'disruption_budget' } });
    expect(outcome.reason).toContain("Cannot evict pod as it would violate the pod's disruption budget");
    await expect(admin().core.readNamespacedPod({ namespace, name: pod.metadata!.name! })).resolves.toBeDefined();
  }, 120_000);
});

describe('the target lease across processes', () => {
  it('makes one fix when many remediator processes race over two alert instances of one Deployment', async () => {
    const { namespace, pods } = await crashLoopingCheckout('race');
    const { detect } = pipeline('enforce');
    const alerts = [crashLoopAlertFor(pods[0]!), crashLoopAlertFor(pods[1]!)];
    const ids = [];
    for (const alert of alerts) ids.push((await detect(alert)).id);
    const config = {
      defaults: { verify: { timeoutSeconds: 60, intervalSeconds: 1 } },
      rules: [
        {
          alertname: 'KubePodCrashLooping',
          detector: 'crash-loop',
          mode: 'enforce',
          fixes: { 'crash-loop': 'rollout-restart' },
          namespaces: { allow: [namespace] },
        },
      ],
    };

    // Six processes, three per alert instance, all started at once (as six Lambda containers).
    const workers = [...ids, ...ids, ...ids].map(
      (id) =>
        new Promise<string>((resolve, reject) => {
          execFile(
            process.execPath,
            [join(import.meta.dirname, '../testenv/remediate-worker.ts'), id],
            {
              env: {
                ...process.env,
                KUBEMEND_TEST_DYNAMODB: moto.endpoint,
                KUBEMEND_TEST_TABLE: 'kubemend-outcomes',
                KUBEMEND_TEST_CONFIG: JSON.stringify(config),
              },
              timeout: 90_000,
            },
            (error, stdout) => (error === null ? resolve(stdout.trim()) : reject(new Error(error.message))),
          );
        }),
    );
    const lines = (await Promise.all(workers)).map(
      (line) => JSON.parse(line) as { result?: string; error?: { code: string } },
    );

    // Every process ended cleanly: with the record's result, or told another worker holds it.
    expect(lines.every((line) => line.result !== undefined || line.error?.code === 'already_claimed')).toBe(true);
    const records = await Promise.all(ids.map((id) => store.get(id)));
    expect(records.map((r) => r!.result).sort()).toEqual(['applied', 'refused']);
    expect(records.find((r) => r!.result === 'refused')!.reason).toMatch(
      /^another fix holds this target until |cooldown/,
    );
    // One rollout: the Deployment's first ReplicaSet and exactly one more.
    const deployment = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(deployment.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(await replicaSets(namespace)).toHaveLength(2);
  }, 120_000);
});
