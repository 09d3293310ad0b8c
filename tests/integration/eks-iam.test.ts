import { DatabaseSync } from 'node:sqlite';

import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ApiException, AppsV1Api, AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { AwsCredentialIdentity } from '@smithy/types';

import { assumeRoleCredentials } from '../../lib/aws/credentials.ts';
import { createEksToken } from '../../lib/aws/eks-token.ts';
import { detectors } from '../../lib/detect/registry.ts';
import { ForbiddenError } from '../../lib/errors.ts';
import { configKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../../lib/guardrails/target-guard.ts';
import { createRegistryProvider } from '../../lib/clusters/registry-provider.ts';
import { handleAlert } from '../../lib/pipeline/detect.ts';
import type { PlanMessage } from '../../lib/pipeline/messages.ts';
import { handlePlan } from '../../lib/pipeline/remediate.ts';
import { renderRemediatorBindings } from '../../lib/rbac.ts';
import { remediators } from '../../lib/remediate/registry.ts';
import { RESTARTED_AT_ANNOTATION } from '../../lib/remediate/rollout-restart.ts';
import {
  manualClock,
  memoryStore,
  noKubeconfig,
  recordingQueue,
  silentLogger,
  testConfig,
} from '../helpers/support.ts';
import {
  admin,
  applyShippedRbac,
  applyYaml,
  createCrashLoopingDeployment,
  createNamespace,
  crashLoopAlertFor,
  recordBackOffEvent,
  dryRunTemplatePatch,
} from '../testenv/cluster.ts';
import { EKS } from '../testenv/control-plane.ts';

/**
 * kubemend reaching an "EKS" cluster the way it does in AWS: IAM credentials → presigned STS
 * token → kube-apiserver → token webhook (tests/testenv/iam-authenticator.ts, checking tokens as
 * aws-iam-authenticator does and verifying the SigV4 signature with the secret STS issued) →
 * access entry → the shipped RBAC.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set: run through the cluster jest project`);
  return value;
};
const server = env('KUBEMEND_TEST_SERVER');
const caData = env('KUBEMEND_TEST_CA_DATA');
const stsEndpoint = env('KUBEMEND_TEST_STS_ENDPOINT');
let savedEndpoint: string | undefined;

beforeAll(async () => {
  await applyShippedRbac();
  // The SDK's standard override, as for LocalStack: STS calls go to the emulator.
  savedEndpoint = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = stsEndpoint;
});

afterAll(() => {
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = savedEndpoint;
});

/** Fresh credentials of `arn`, made known to the cluster's STS stand-in (a role's own keys). */
async function identity(arn: string): Promise<AwsCredentialIdentity> {
  const credentials = {
    accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
  const response = await fetch(`${env('KUBEMEND_TEST_AUTHENTICATOR_URL')}/credentials`, {
    method: 'POST',
    body: JSON.stringify({ ...credentials, arn }),
  });
  expect(response.status).toBe(204);
  return credentials;
}

function registry(eks: Record<string, unknown> = {}, rules: unknown[] = []) {
  return testConfig({
    clusters: [
      {
        name: 'test-eks',
        eks: {
          region: EKS.region,
          clusterName: EKS.clusterName,
          endpoint: server,
          certificateAuthority: caData,
          ...eks,
        },
      },
    ],
    defaultCluster: 'test-eks',
    rules,
  });
}

function clientsWithToken(token: string) {
  const config = new KubeConfig();
  config.loadFromClusterAndUser({ name: 'test-eks', server, caData, skipTLSVerify: false }, { name: 'iam', token });
  return {
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    auth: config.makeApiClient(AuthenticationV1Api),
  };
}

async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

const tokenFor = (credentials: AwsCredentialIdentity, overrides: { clusterName?: string; now?: Date } = {}) =>
  createEksToken({ clusterName: EKS.clusterName, region: EKS.region, credentials, ...overrides }).then((t) => t.token);

describe('IAM-derived tokens on the real API server', () => {
  it('lets the detector, as its IAM role, read pods and events, and refuses it a patch and Secrets', async () => {
    const namespace = await createNamespace('iam-detector');
    const { pods } = await createCrashLoopingDeployment(namespace, 'checkout');
    const credentials = await identity(EKS.roles.detector);
    const api = await createRegistryProvider(registry(), {
      identity: 'detector',
      timeoutMs: 10_000,
      kubeconfig: noKubeconfig,
      credentials: async () => credentials,
    })(undefined);

    await expect(api.getPod(namespace, pods[0]!.metadata!.name!)).resolves.toMatchObject({ kind: 'Pod' });
    await expect(api.listWarningEvents(namespace, { kind: 'Pod', name: 'x' })).resolves.toEqual([]);
    await expect(dryRunTemplatePatch(api, namespace)).rejects.toBeInstanceOf(ForbiddenError);
    const { core } = clientsWithToken(await tokenFor(credentials));
    expect(await statusOf(core.listNamespacedSecret({ namespace }))).toBe(403);
  }, 120_000);

  it('lets the remediator, as its IAM role, patch a Deployment (server-side dry run)', async () => {
    const namespace = await createNamespace('iam-remediator');
    await createCrashLoopingDeployment(namespace, 'checkout', { replicas: 1 });
    const credentials = await identity(EKS.roles.remediator);
    const api = await createRegistryProvider(registry(), {
      identity: 'remediator',
      timeoutMs: 10_000,
      kubeconfig: noKubeconfig,
      credentials: async () => credentials,
    })('test-eks');

    await expect(dryRunTemplatePatch(api, namespace)).resolves.toMatchObject({ kind: 'Deployment' });
  }, 120_000);

  it('rejects expired, tampered, wrong-cluster, wrong-host, unknown and unmapped tokens', async () => {
    const credentials = await identity(EKS.roles.detector);
    const valid = await tokenFor(credentials);
    const url = new URL(Buffer.from(valid.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    const reencode = (change: (url: URL) => void) => {
      const copy = new URL(url);
      change(copy);
      return `k8s-aws-v1.${Buffer.from(copy.toString()).toString('base64url')}`;
    };
    const unmapped = await identity('arn:aws:iam::111111111111:role/not-in-any-access-entry');
    const tokens = {
      expired: await tokenFor(credentials, { now: new Date(Date.now() - 16 * 60_000) }),
      // One second later than signed: the signature no longer matches.
      tampered: reencode((copy) => {
        const date = copy.searchParams.get('X-Amz-Date')!;
        copy.searchParams.set('X-Amz-Date', `${date.slice(0, 14)}${date[14] === '0' ? '1' : '0'}Z`);
      }),
      wrongCluster: await tokenFor(credentials, { clusterName: 'another-cluster' }),
      wrongHost: reencode((copy) => (copy.host = 'sts.example.com')),
      unknownCredentials: await tokenFor({
        accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: 'x'.repeat(40),
      }),
      unmapped: await tokenFor(unmapped),
    };

    const statuses: Record<string, number> = Object.fromEntries(
      await Promise.all(
        Object.entries(tokens).map(async ([name, token]): Promise<[string, number]> => [
          name,
          await statusOf(clientsWithToken(token).core.listNamespacedEvent({ namespace: 'default' })),
        ]),
      ),
    );

    expect(statuses).toEqual({
      expired: 401,
      tampered: 401,
      wrongCluster: 401,
      wrongHost: 401,
      unknownCredentials: 401,
      unmapped: 401,
    });
    expect(await statusOf(clientsWithToken(valid).core.listNamespacedEvent({ namespace: 'default' }))).toBe(200);
  }, 120_000);

  it('assumes a cross-account role on the emulator and is known to the cluster as that role', async () => {
    const base = {
      accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: 'b'.repeat(40),
    };
    const assumed = assumeRoleCredentials({
      roleArn: EKS.roles.teamA,
      externalId: 'kubemend-test',
      region: EKS.region,
      sessionName: 'kubemend-remediator',
      credentials: async () => base,
    });
    const credentials = await assumed();

    const caller = await new STSClient({ region: EKS.region, credentials }).send(new GetCallerIdentityCommand({}));
    const review = await clientsWithToken(await tokenFor(credentials)).auth.createSelfSubjectReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });

    expect(caller.Arn).toBe('arn:aws:sts::222222222222:assumed-role/kubemend-team-a/kubemend-remediator');
    expect(review.status?.userInfo).toMatchObject({
      username: 'kubemend-team-a',
      groups: expect.arrayContaining(['kubemend:remediator-team-a']),
    });
  }, 120_000);

  it('lets a remediator bound to one namespace patch there and nowhere else', async () => {
    const allowed = await createNamespace('iam-allowed');
    const elsewhere = await createNamespace('iam-elsewhere');
    await createCrashLoopingDeployment(allowed, 'checkout', { replicas: 1 });
    await createCrashLoopingDeployment(elsewhere, 'checkout', { replicas: 1 });
    await applyYaml(renderRemediatorBindings([allowed], 'kubemend:remediator-team-a'));
    const api = await createRegistryProvider(
      registry({ remediatorRoleArn: EKS.roles.teamA, externalId: 'kubemend-test' }),
      {
        identity: 'remediator',
        timeoutMs: 10_000,
        kubeconfig: noKubeconfig,
        credentials: async () => ({
          accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
          secretAccessKey: 'c'.repeat(40),
        }),
      },
    )('test-eks');

    await expect(dryRunTemplatePatch(api, allowed)).resolves.toMatchObject({ kind: 'Deployment' });
    await expect(dryRunTemplatePatch(api, elsewhere)).rejects.toBeInstanceOf(ForbiddenError);
  }, 120_000);
});

describe('a remediation end to end with IAM-derived tokens', () => {
  it('diagnoses as the detector role and restarts the rollout as a cross-account remediator role', async () => {
    const namespace = await createNamespace('iam-e2e');
    const { pods } = await createCrashLoopingDeployment(namespace, 'checkout');
    await recordBackOffEvent(pods[0]!);
    await applyYaml(renderRemediatorBindings([namespace], 'kubemend:remediator-team-a'));
    const detectorCredentials = await identity(EKS.roles.detector);
    const config = registry({ remediatorRoleArn: EKS.roles.teamA, externalId: 'kubemend-test' }, [
      {
        alertname: 'KubePodCrashLooping',
        detector: 'crash-loop',
        mode: 'enforce',
        fixes: { 'crash-loop': 'rollout-restart' },
        namespaces: { allow: [namespace] },
      },
    ]);
    const store = memoryStore();
    const plans = recordingQueue<PlanMessage>();
    const clock = manualClock(new Date().toISOString());
    const common = { store, config, clock: clock.now, logger: silentLogger, leaseMs: 60_000 };
    const alert = crashLoopAlertFor(pods[0]!);
    delete alert.labels.cluster;

    const diagnosed = await handleAlert(
      { kind: 'alert', alert, receivedAt: new Date().toISOString(), receiver: 'kubemend', groupKey: 'g' },
      {
        ...common,
        detectors,
        plans,
        kube: createRegistryProvider(config, {
          identity: 'detector',
          timeoutMs: 10_000,
          kubeconfig: noKubeconfig,
          credentials: async () => detectorCredentials,
        }),
      },
    );
    const outcome = await handlePlan(plans.sent[0]!, {
      ...common,
      remediators,
      killSwitch: configKillSwitch(false),
      targetGuard: createSqliteTargetGuard(new DatabaseSync(':memory:')),
      kube: createRegistryProvider(config, {
        identity: 'remediator',
        timeoutMs: 10_000,
        kubeconfig: noKubeconfig,
        credentials: async () => ({
          accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
          secretAccessKey: 'd'.repeat(40),
        }),
      }),
    });

    expect(diagnosed).toMatchObject({ cluster: 'test-eks', stage: 'planned', plan: { action: 'rollout-restart' } });
    expect(outcome).toMatchObject({ result: 'applied', cluster: 'test-eks' });
    const deployment = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(deployment.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION]).toBe(
      outcome.plan!.params.restartedAt,
    );
  }, 120_000);
});
