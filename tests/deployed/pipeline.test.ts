import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parse, stringify } from 'yaml';

import { alertId } from '../../lib/alert/identity.ts';
import { parseWebhook, type Alert } from '../../lib/alert/schema.ts';
import { parameterValue } from '../../lib/config/parameter-value.ts';
import type { Outcome } from '../../lib/domain/types.ts';
import { RESTARTED_AT_ANNOTATION } from '../../lib/remediate/rollout-restart.ts';
import { createDynamoOutcomeStore } from '../../lib/store/dynamodb-outcome-store.ts';

import {
  admin,
  applyShippedRbac,
  createCrashLoopingDeployment,
  createNamespace,
  crashLoopAlertFor,
  recordBackOffEvent,
  until,
} from '../testenv/cluster.ts';
import { EKS } from '../testenv/control-plane.ts';
import { addAccessEntry, deployStack, grantClusterAccess, type DeployedStack } from '../testenv/deployed.ts';
import { startLoopback } from '../helpers/loopback.ts';
import { slackClick } from '../helpers/slack.ts';
import { httpApiEvent, LambdaDriver, serveInvokeApi } from '../testenv/lambda-driver.ts';
import { privilegeReport } from '../testenv/least-privilege.ts';

/**
 * The deployed functions taking an alert all the way: the receiver's HTTP API route → the alert
 * queue → the detector → the plan queue → the remediator → the real kube-apiserver, reached with
 * IAM-derived tokens (the cluster's token webhook verifies them against what the emulator's STS
 * issued, and maps each function's role through an access entry as EKS does) → DynamoDB. The
 * stage reads its config from SSM (the `configParameter` stage parameter, as prod does), where
 * the cluster is registered as the onboarding runbook says.
 */
const CONFIG_PARAMETER = '/kubemend/dev/agent-config';
const CLUSTER = 'kubemend-test';
/** The same cluster registered as one in another account: reached through roles the functions assume. */
const CROSS_ACCOUNT = 'kubemend-test-cross-account';
const TOKEN = 'deployed-pipeline-webhook-credential';
const WORKERS = ['Detector', 'Remediator', 'Audit'] as const;
const SLACK_SECRET_PARAMETER = '/kubemend/dev/slack-signing-secret';
const SLACK_SECRET = 'deployed-pipeline-slack-signing-secret';
/** Where the remediator answers Slack's clicks (a message's response_url): the test's loopback, as Slack's origin. */
let slack: Awaited<ReturnType<typeof startLoopback>>;
const slackAnswers: { text: string }[] = [];

let stack: DeployedStack;
let driver: LambdaDriver;
let namespace: string;

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set: run through the cluster jest project`);
  return value;
};

const ssm = () => new SSMClient({ ...stack.moto.clientOptions, region: stack.region });
const store = () =>
  createDynamoOutcomeStore(stack.moto.dynamodb(), { tableName: stack.physicalId('OutcomesTable'), retentionDays: 30 });

/** Writes the stage's config parameter as the pipeline does (`kubemend config export`), and retires warm workers. */
async function writeConfig(edit: (config: Record<string, unknown>) => void): Promise<void> {
  const config = parse(readFileSync('config/stages/dev/agent_config.yaml', 'utf8')) as Record<string, unknown>;
  edit(config);
  const { value } = parameterValue(stringify(config), CONFIG_PARAMETER);
  await ssm().send(
    new PutParameterCommand({
      Name: CONFIG_PARAMETER,
      Type: 'String',
      Tier: 'Intelligent-Tiering',
      Value: value,
      Overwrite: true,
    }),
  );
  // A function reads its config at each cold start: environments still warm keep the one they read.
  for (const name of WORKERS) await driver.retire(name);
}

async function setKillSwitch(value: 'on' | 'off'): Promise<void> {
  await ssm().send(
    new PutParameterCommand({ Name: '/kubemend/dev/kill-switch', Type: 'String', Value: value, Overwrite: true }),
  );
  // The remediator keeps what it read for 30 s; a new environment reads it at once.
  await driver.retire('Remediator');
}

/** The stage's config as the test sets it: restarts in the test namespace are enforced, and wait for a person. */
function configure(config: Record<string, unknown>): void {
  config.approval = { actions: ['rollout-restart'], expiresMinutes: 60 };
  config.slack = { approvers: { U024BE7LH: 'alice@example.com' }, responseOrigins: [slack.url] };
  const rules = config.rules as { alertname: string; mode?: string; namespaces?: unknown }[];
  const crashLoop = rules.find((rule) => rule.alertname === 'KubePodCrashLooping')!;
  crashLoop.mode = 'enforce';
  crashLoop.namespaces = { allow: [namespace] };
  config.defaults = {
    ...(config.defaults as Record<string, unknown>),
    verify: { timeoutSeconds: 120, intervalSeconds: 2 },
  };
}

beforeAll(async () => {
  stack = await deployStack('dev', {
    params: { configParameter: CONFIG_PARAMETER, slackSigningSecretParameter: SLACK_SECRET_PARAMETER },
  });
  driver = new LambdaDriver(stack);
  await ssm().send(
    new PutParameterCommand({ Name: '/kubemend/dev/webhook-token', Type: 'SecureString', Value: TOKEN }),
  );
  await ssm().send(
    new PutParameterCommand({ Name: SLACK_SECRET_PARAMETER, Type: 'SecureString', Value: SLACK_SECRET }),
  );
  slack = await startLoopback((_request, text, response) => {
    slackAnswers.push(JSON.parse(text) as { text: string });
    response.end();
  });
  await applyShippedRbac();
  // What an administrator does once per cluster: access entries for the functions' roles.
  await grantClusterAccess(stack, driver, env('KUBEMEND_TEST_AUTHENTICATOR_URL'));
  namespace = await createNamespace('deployed');
  // The cross-account roles, each trusting the function roles that may assume it, with their access entries.
  const iam = new IAMClient({ ...stack.moto.clientOptions, region: stack.region });
  const assumable: Record<string, string> = {};
  for (const [role, functions, groups] of [
    ['kubemend-detector-cross-account', ['Detector', 'Audit'], ['kubemend:detector']],
    ['kubemend-remediator-cross-account', ['Remediator'], ['kubemend:remediator']],
  ] as const) {
    // The role, as AWS matches its sessions, and each session's own ARN, which the emulator matches literally.
    const principals = (
      await Promise.all(
        functions.map(async (name) => {
          const { roleArn, credentials } = await driver.identity(name);
          return [roleArn, credentials.arn];
        }),
      )
    ).flat();
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: role,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: principals }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    assumable[role] = Role!.Arn!;
    await addAccessEntry(env('KUBEMEND_TEST_AUTHENTICATOR_URL'), Role!.Arn!, [...groups]);
  }
  // The onboarding runbook's registry entries: one parameter per cluster, named after its label.
  const eks = {
    region: EKS.region,
    clusterName: EKS.clusterName,
    endpoint: env('KUBEMEND_TEST_SERVER'),
    certificateAuthority: env('KUBEMEND_TEST_CA_DATA'),
  };
  for (const [name, entry] of [
    [CLUSTER, { eks }],
    [
      CROSS_ACCOUNT,
      {
        eks: {
          ...eks,
          detectorRoleArn: assumable['kubemend-detector-cross-account'],
          remediatorRoleArn: assumable['kubemend-remediator-cross-account'],
          externalId: 'kubemend-read',
          remediatorExternalId: 'kubemend-write',
        },
      },
    ],
  ] as const) {
    await ssm().send(
      new PutParameterCommand({ Name: `/kubemend/dev/clusters/${name}`, Type: 'String', Value: JSON.stringify(entry) }),
    );
  }
  await writeConfig(configure);
}, 300_000);

afterAll(async () => {
  await driver?.stop();
  await stack?.stop();
  await slack?.close();
});

/** A crash-looping Deployment in the test namespace and the alert kube-prometheus would fire for it. */
async function crashLooping(name: string, cluster = CLUSTER): Promise<Alert> {
  const { pods } = await createCrashLoopingDeployment(namespace, name, { replicas: 1 });
  await recordBackOffEvent(pods[0]!);
  const alert = crashLoopAlertFor(pods[0]!);
  return { ...alert, labels: { ...alert.labels, cluster } };
}

/**
 * Posts the alert as Alertmanager does, through the HTTP API route to the receiver, and returns
 * the ID of its record: of the alert as the receiver reads it (its instant normalised).
 */
async function fire(alert: Alert): Promise<string> {
  const webhook = { ...sampleWebhook(), alerts: [alert] };
  expect(await postWebhook(webhook)).toMatchObject({ ok: true, value: { statusCode: 202 } });
  return alertId(parseWebhook(webhook).alerts[0]!);
}

/** The single crash-loop notification Alertmanager sends, as data to change. */
function sampleWebhook(): { alerts: Record<string, unknown>[] } {
  return JSON.parse(readFileSync('tests/fixtures/alerts/crashlooping-single.json', 'utf8')) as {
    alerts: Record<string, unknown>[];
  };
}

/** Posts a webhook body as Alertmanager does, through the HTTP API route to the receiver; its answer. */
function postWebhook(webhook: unknown) {
  return driver.invoke(
    'Receiver',
    httpApiEvent(stack, {
      method: 'POST',
      path: '/alerts',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(webhook),
    }),
  );
}

/** Plays the event source mapping from `queue` until the record of `id` reaches `done`. */
async function deliverUntil(id: string, worker: string, queue: string, done: (o: Outcome) => boolean) {
  const deadline = Date.now() + 60_000;
  let last: Outcome | undefined;
  while (Date.now() < deadline) {
    const polled = await driver.pollQueue(worker, queue);
    if (polled.result?.ok === false) throw new Error(`${worker} failed: ${JSON.stringify(polled.result.error)}`);
    last = await store().get(id);
    if (last !== undefined && done(last)) return last;
  }
  const { stage, result, reason } = last ?? {};
  throw new Error(
    `record ${id} after ${worker}: ${JSON.stringify({ stage, result, reason })}\n${driver.logs(worker).slice(-4000)}`,
  );
}

/** A crash-looping Deployment's alert, fired and delivered until its restart waits for an approval; its record's ID. */
async function waitingFix(name: string): Promise<string> {
  const id = await fire(await crashLooping(name));
  await deliverUntil(id, 'Detector', 'AlertQueue', (outcome) => outcome.plan !== undefined);
  await deliverUntil(id, 'Remediator', 'PlanQueue', (o) => o.stage === 'awaiting-approval');
  return id;
}

/** Every item of the outcomes table under one partition key. */
async function queryAll(deployed: DeployedStack, pk: string): Promise<Record<string, unknown>[]> {
  const doc = DynamoDBDocumentClient.from(deployed.moto.dynamodb());
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: deployed.physicalId('OutcomesTable'),
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

const replicaSets = async (name: string) =>
  (await admin().apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${name}` })).items;

describe('the deployed functions, from an alert to the cluster', () => {
  it('diagnoses a cluster in another account through the role the detector assumes, waits for an approval, and restarts the Deployment through the remediator’s', async () => {
    const alert = await crashLooping('checkout', CROSS_ACCOUNT);
    const id = await fire(alert);

    await deliverUntil(id, 'Detector', 'AlertQueue', (outcome) => outcome.plan !== undefined);
    // Alertmanager repeats a notification: the same instance, already recorded, is not planned again.
    await fire(alert);
    const repeat = await driver.pollQueue('Detector', 'AlertQueue');
    expect({ messages: repeat.messages.length, failed: repeat.failed }).toEqual({ messages: 1, failed: [] });
    const waiting = await deliverUntil(id, 'Remediator', 'PlanQueue', (o) => o.stage === 'awaiting-approval');

    expect(waiting).toMatchObject({
      cluster: CROSS_ACCOUNT,
      diagnosis: { anomaly: 'crash-loop', target: { kind: 'Deployment', namespace, name: 'checkout' } },
      plan: { action: 'rollout-restart' },
      reason: expect.stringContaining('rollout-restart needs approval'),
    });
    expect(await replicaSets('checkout')).toHaveLength(1);

    // The documented approval: a direct invoke of the remediator.
    const approved = await driver.invoke('Remediator', { approve: id, by: 'sre-on-call' });

    expect(approved).toMatchObject({ ok: true, value: { id, stage: 'done', result: 'applied' } });
    expect(await store().get(id)).toMatchObject({
      result: 'applied',
      approval: { by: 'sre-on-call' },
      verification: { status: 'verified', detail: 'all 1 replicas updated and available' },
      change: expect.stringContaining(RESTARTED_AT_ANNOTATION),
    });
    const deployment = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(deployment.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION]).toBeDefined();
    expect(await replicaSets('checkout')).toHaveLength(2);
    // The repeat came while the plan waited, and the detector handed the plan on again (it cannot
    // tell a queued plan from one a stopped worker dropped): delivered, it finds the fix done.
    const again = await driver.pollQueue('Remediator', 'PlanQueue');
    expect({ messages: again.messages.length, failed: again.failed }).toEqual({ messages: 1, failed: [] });
    expect(await store().get(id)).toMatchObject({ result: 'applied', approval: { by: 'sre-on-call' } });
    expect(await replicaSets('checkout')).toHaveLength(2);
  }, 240_000);

  it('answers a malformed webhook with a 400 naming the field, from the schemas it loads only then, and queues nothing', async () => {
    const webhook = sampleWebhook();
    webhook.alerts[0]!.startsAt = 'yesterday';
    const answer = await postWebhook(webhook);

    expect(answer).toMatchObject({
      ok: true,
      value: {
        statusCode: 400,
        body: expect.stringContaining('alerts[0].startsAt: expected an RFC 3339 timestamp, got \\"yesterday\\"'),
      },
    });
    const queued = await driver.pollQueue('Detector', 'AlertQueue');
    expect(queued.messages).toHaveLength(0);
  });

  it('takes an approval from Slack’s button: signed as Slack signs, answered at once, run by the remediator as the approver named', async () => {
    const id = await waitingFix('search');
    const post = async (click: { body: string; headers: Record<string, string> }) =>
      driver.invoke(
        'Receiver',
        httpApiEvent(stack, { method: 'POST', path: '/slack/interactions', headers: click.headers, body: click.body }),
      );
    const responseUrl = `${slack.url}/actions/T0001/1/x`;

    // A forged click, and a real one replayed six minutes later, are refused and queue nothing.
    const forged = await post(slackClick({ secret: 'not-the-apps-signing-secret', id, responseUrl }));
    const replayed = await post(
      slackClick({ secret: SLACK_SECRET, id, responseUrl, timestamp: Math.floor(Date.now() / 1000) - 360 }),
    );
    expect([forged, replayed]).toMatchObject([
      { ok: true, value: { statusCode: 401, body: expect.stringContaining('wrong Slack signature') } },
      { ok: true, value: { statusCode: 401, body: expect.stringContaining('a replay') } },
    ]);
    const started = Date.now();
    const clicked = await post(slackClick({ secret: SLACK_SECRET, id, responseUrl }));
    expect(clicked).toMatchObject({ ok: true, value: { statusCode: 200, body: '' } });
    expect(Date.now() - started).toBeLessThan(3_000);

    const outcome = await deliverUntil(id, 'Remediator', 'PlanQueue', (o) => o.stage === 'done');

    expect(outcome).toMatchObject({
      result: 'applied',
      approval: { by: 'alice@example.com (Slack U024BE7LH)' },
      verification: { status: 'verified' },
    });
    expect(await replicaSets('search')).toHaveLength(2);
    expect(slackAnswers.at(-1)?.text).toMatch(/^\*Approved by alice@example.com \(Slack U024BE7LH\)\*: applied\n/);
  }, 240_000);

  it('writes nothing once the kill switch is on in SSM, approved or not', async () => {
    const id = await waitingFix('cart');
    await setKillSwitch('on');
    try {
      const approved = await driver.invoke('Remediator', { approve: id, by: 'sre-on-call' });

      expect(approved).toMatchObject({
        ok: true,
        value: { id, result: 'refused', reason: expect.stringContaining('kill switch is on') },
      });
      expect(await replicaSets('cart')).toHaveLength(1);
    } finally {
      await setKillSwitch('off');
    }
  }, 240_000);

  it('turns a waiting fix down through the documented reject invoke, writing nothing', async () => {
    const id = await waitingFix('billing');

    const rejected = await driver.invoke('Remediator', { reject: id, by: 'sre-on-call', reason: 'change freeze' });

    expect(rejected).toMatchObject({
      ok: true,
      value: { id, result: 'refused', reason: 'rollout-restart rejected by sre-on-call: change freeze' },
    });
    expect(await store().get(id)).toMatchObject({ approval: { by: 'sre-on-call', rejected: true } });
    expect(await replicaSets('billing')).toHaveLength(1);
  }, 240_000);

  it('records the fix it would suggest where the rule maps none, and tells the notification topic', async () => {
    const { pods } = await createCrashLoopingDeployment(namespace, 'cache', {
      replicas: 1,
      exitCode: 137,
      reason: 'OOMKilled',
      limits: { memory: '64Mi' },
    });
    const template = crashLoopAlertFor(pods[0]!);
    // KubePodNotReady's rule diagnoses only: the fix that would answer is suggested, not planned.
    const alert = { ...template, labels: { ...template.labels, alertname: 'KubePodNotReady', cluster: CLUSTER } };
    const id = await fire(alert);

    const outcome = await deliverUntil(id, 'Detector', 'AlertQueue', (o) => o.stage === 'done');

    expect(outcome).toMatchObject({
      result: 'no-action',
      diagnosis: { anomaly: 'oom-killed' },
      suggestion: { action: 'raise-memory' },
    });
  }, 120_000);

  it('audits the registered cluster on its schedule, as the detector’s read-only identity, and keeps its findings', async () => {
    const rule = Object.entries(stack.template.Resources).find(([, r]) => r.Type === 'AWS::Events::Rule')![0];
    const scheduled = {
      version: '0',
      id: 'audit-run',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: new Date().toISOString(),
      region: stack.region,
      resources: [`arn:aws:events:${stack.region}:123456789012:rule/${stack.physicalId(rule)}`],
      detail: {},
    };
    const cart = async () => {
      const items = await queryAll(stack, `AUDIT#${CLUSTER}`);
      return items.filter((item) => {
        const finding = JSON.parse(item.finding as string) as { namespace?: string; name: string };
        return finding.namespace === namespace && finding.name.startsWith('cart');
      });
    };

    const first = await driver.invoke('Audit', scheduled);
    if (!first.ok)
      throw new Error(`audit failed: ${JSON.stringify(first.error)}\n${driver.logs('Audit').slice(-4000)}`);
    const found = await cart();
    const second = await driver.invoke('Audit', scheduled);

    expect(first).toMatchObject({ ok: true, value: { clusters: 2, new: expect.any(Number) } });
    // The Deployment the kill switch kept crash-looping is a finding, with the time it was first seen …
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ firstSeen: expect.any(String), lastSeen: found[0]!.firstSeen });
    // … still open at the next run, first seen then.
    expect(second).toMatchObject({ ok: true, value: { clusters: 2 } });
    const again = await cart();
    expect(again.map((item) => [item.SK, item.firstSeen, item.resolvedAt])).toEqual(
      found.map((item) => [item.SK, item.firstSeen, undefined]),
    );
    expect(again[0]!.lastSeen).not.toBe(found[0]!.lastSeen);

    // Gone from the cluster, it is resolved at the next run.
    await admin().apps.deleteNamespacedDeployment({ namespace, name: 'cart' });
    await until(
      'the pods of cart to go',
      async () => (await admin().core.listNamespacedPod({ namespace, labelSelector: 'app=cart' })).items,
      (pods) => pods.length === 0,
    );
    expect(await driver.invoke('Audit', scheduled)).toMatchObject({ ok: true, value: { clusters: 2 } });
    expect((await cart()).map((item) => typeof item.resolvedAt)).toEqual(found.map(() => 'string'));
  }, 240_000);

  it('fails the cold start of a function whose config is not valid, naming the parameter, and keeps the alert for a retry', async () => {
    await ssm().send(
      new PutParameterCommand({
        Name: CONFIG_PARAMETER,
        Type: 'String',
        Value: 'defaults:\n  mode: yolo\n',
        Overwrite: true,
      }),
    );
    await driver.retire('Detector');
    try {
      const alert = await crashLooping('ledger');
      const id = await fire(alert);

      const polled = await driver.pollQueue('Detector', 'AlertQueue');

      expect(polled.result).toMatchObject({
        ok: false,
        coldStart: true,
        error: {
          errorType: 'Runtime.InitError',
          errorMessage: expect.stringContaining(`ssm:${CONFIG_PARAMETER}: defaults.mode: Invalid option`),
        },
      });
      // The whole batch failed: its message comes back after the visibility timeout, and no record was made.
      expect(polled.failed).toEqual(polled.messages.map((message) => message.MessageId));
      expect(polled.messages).toHaveLength(1);
      expect(await store().get(id)).toBeUndefined();
    } finally {
      await writeConfig(configure);
    }
  }, 120_000);

  it('answers an operator’s shell on the stage as it answers locally: history, show, the kill switch, run, approve, findings and dead letters', async () => {
    const home = mkdtempSync(join(tmpdir(), 'kubemend-stage-cli-'));
    const invokeApi = await serveInvokeApi(driver, stack);
    // The on-call engineer holds the README's operator policy and nothing else: the emulator refuses any other action.
    const iam = new IAMClient({ ...stack.moto.clientOptions, region: stack.region });
    const { User } = await iam.send(new CreateUserCommand({ UserName: 'on-call' }));
    // Who the records name: who the person says they are, with the IAM identity that signed the call.
    const operator = `alice (${User!.Arn!})`;
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'on-call',
        PolicyName: 'kubemend-operator',
        // Its actions on every resource: the emulator authorises actions only, and a statement naming its
        // resources would never match there (the Lambda driver's mirror roles do the same).
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: (
            JSON.parse(readFileSync('infra/aws/operator-policy.json', 'utf8')) as { Statement: { Action: unknown }[] }
          ).Statement.map(({ Action }) => ({ Effect: 'Allow', Action, Resource: '*' })),
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'on-call' }));
    // The CLI as an operator runs it, with their AWS credentials and region; the emulator and the
    // functions' Invoke API stand where AWS's endpoints are.
    const kubemend = (args: string[], stage = 'dev') =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['bin/kubemend.ts', ...args, '--stage', stage, '--region', stack.region],
          {
            env: {
              PATH: process.env.PATH,
              HOME: home,
              KUBEMEND_USER: 'alice',
              AWS_ENDPOINT_URL: stack.moto.clientOptions.endpoint,
              AWS_ENDPOINT_URL_LAMBDA: invokeApi.url,
              AWS_ACCESS_KEY_ID: AccessKey!.AccessKeyId!,
              AWS_SECRET_ACCESS_KEY: AccessKey!.SecretAccessKey!,
            },
          },
          (error, stdout, stderr) =>
            resolve({ code: error === null ? 0 : Number((error as { code?: unknown }).code), stdout, stderr }),
        );
      });
    /** What a command that succeeds printed: exit code 0, nothing on stderr. */
    const ok = async (args: string[]) => {
      const { code, stdout, stderr } = await kubemend(args);
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' });
      return stdout;
    };
    const sqs = new SQSClient({ ...stack.moto.clientOptions, region: stack.region });
    const where = `stage dev (stack kubemend-dev in ${stack.region})`;
    const escape = (text: string) => text.replace(/[()[\]\\.*+?^$|{}]/g, '\\$&');
    try {
      const id = await waitingFix('orders');

      const waiting = await ok(['history', '--result', 'awaiting-approval', '-n', namespace, '-o', 'json']);
      expect((JSON.parse(waiting) as Outcome[]).map((o) => o.id)).toEqual([id]);
      expect(await ok(['history', '-n', namespace])).toMatch(new RegExp(`^ID\\s+AGE[^\\n]*\\n${id}\\s`));
      expect(JSON.parse(await ok(['show', id, '-o', 'json']))).toEqual(await store().get(id));

      // The kill switch, flipped from the shell: the remediator reads the parameter (a warm one within 30 s).
      const on = await ok(['kill-switch', 'on', '--reason', 'game day', '-o', 'json']);
      expect(JSON.parse(on)).toMatchObject({
        on: true,
        by: operator,
        why: 'game day',
        reason: 'the kill switch is on (SSM parameter /kubemend/dev/kill-switch)',
      });
      expect((await ssm().send(new GetParameterCommand({ Name: '/kubemend/dev/kill-switch' }))).Parameter?.Value).toBe(
        'on',
      );
      await driver.retire('Remediator');
      const run = [
        'run',
        'rollout-restart',
        'deploy/orders',
        '-n',
        namespace,
        '--cluster',
        CLUSTER,
        '--reason',
        'drill',
      ];
      const stopped = await kubemend([...run, '--mode', 'enforce', '-o', 'json']);
      expect(stopped.code).toBe(1);
      expect(JSON.parse(stopped.stdout)).toMatchObject({
        result: 'refused',
        reason: expect.stringContaining('kill switch is on'),
        trigger: { kind: 'manual', by: operator, mode: 'enforce' },
      });
      expect(await replicaSets('orders')).toHaveLength(1);
      expect(await ok(['kill-switch', 'off'])).toMatch(
        new RegExp(`^kill switch off for the ${escape(where)} by ${escape(operator)} at \\S+: fixes may write`),
      );
      await driver.retire('Remediator');

      const approved = await ok(['approve', id, '-o', 'json']);
      expect(JSON.parse(approved)).toMatchObject({
        id,
        result: 'applied',
        approval: { by: operator },
        verification: { status: 'verified' },
      });
      expect(await replicaSets('orders')).toHaveLength(2);
      // Errors read as they do locally, with the same exit codes.
      expect(await kubemend(['approve', id])).toMatchObject({
        code: 2,
        stderr: `kubemend: alert instance ${id} is not waiting for approval (it is applied)\n`,
      });
      expect(await kubemend(['show', 'nope'])).toMatchObject({
        code: 2,
        stderr: `kubemend: no record nope in the ${where} (kubemend history lists them, with their IDs)\n`,
      });
      expect(await kubemend(['history'], 'nosuch')).toMatchObject({
        code: 2,
        stderr: `kubemend: no stack kubemend-nosuch in ${stack.region}: is the stage deployed there? (--region, or AWS_REGION, names another)\n`,
      });

      // What the scheduled audits left open.
      const open = (await queryAll(stack, `AUDIT#${CLUSTER}`)).filter((item) => item.resolvedAt === undefined);
      const findings = JSON.parse(await ok(['findings', '--cluster', CLUSTER, '-o', 'json'])) as {
        key: string;
        cluster: string;
      }[];
      expect(open.length).toBeGreaterThan(0);
      expect(findings.map((f) => `FINDING#${f.key}`).sort()).toEqual(open.map((item) => item.SK).sort());

      // Dead letters: listed where they are, put back on the queue they came from, or deleted.
      const alertQueue = stack.physicalId('AlertQueue');
      await sqs.send(
        new SendMessageCommand({ QueueUrl: stack.physicalId('AlertDeadLetterQueue'), MessageBody: '{"gave":"up"}' }),
      );
      await sqs.send(
        new SendMessageCommand({ QueueUrl: stack.physicalId('PlanDeadLetterQueue'), MessageBody: '{"plan":"lost"}' }),
      );
      const letters = JSON.parse(await ok(['dead-letters', '-o', 'json'])) as {
        topic: string;
        body: string;
      }[];
      expect(letters.map((l) => [l.topic, l.body]).sort()).toEqual([
        ['alerts', '{"gave":"up"}'],
        ['plans', '{"plan":"lost"}'],
      ]);
      expect(await ok(['dead-letters', '--redrive', '--topic', 'alerts'])).toBe('1 dead letters put back\n');
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: alertQueue, WaitTimeSeconds: 1 }));
      expect(Messages?.map((m) => m.Body)).toEqual(['{"gave":"up"}']);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: alertQueue, ReceiptHandle: Messages![0]!.ReceiptHandle! }));
      expect(await ok(['dead-letters', '--purge'])).toBe('1 dead letters deleted\n');
      expect(await ok(['dead-letters'])).toBe('no dead letters\n');
    } finally {
      await invokeApi.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 240_000);

  // Last: it reads what every test above made the functions do.
  it('used every action each function’s role grants and no other, or serverless.yml says why one went unused', async () => {
    const keys = Object.fromEntries(
      await Promise.all(
        ['Receiver', ...WORKERS].map(async (name) => [name, [(await driver.identity(name)).credentials.accessKeyId]]),
      ),
    ) as Record<string, string[]>;
    const report = privilegeReport({
      stack,
      serverlessYml: readFileSync('serverless.yml', 'utf8'),
      recording: await stack.moto.recording(),
      keys,
      // The emulator's account, as STS names the functions' sessions.
      account: (await driver.identity('Receiver')).credentials.arn.split(':')[4]!,
    });

    console.log(
      report
        .map(
          (entry) =>
            `${entry.function}:${entry.requests.map((request) => `\n  ${request}`).join('')}` +
            Object.entries(entry.justified)
              .map(([action, why]) => `\n  unused ${action}: ${why}`)
              .join(''),
        )
        .join('\n'),
    );
    for (const entry of report) {
      expect(entry.used.length).toBeGreaterThan(0);
      expect({
        function: entry.function,
        ungranted: entry.ungranted,
        outOfScope: entry.outOfScope,
        unjustified: entry.unjustified,
      }).toEqual({ function: entry.function, ungranted: [], outOfScope: [], unjustified: [] });
    }
  });
});
