import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiGatewayV2Client, GetIntegrationCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRoleCommand, GetRoleCommand, GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import { alertId } from '../../lib/alert/identity.ts';
import { parseWebhook } from '../../lib/alert/schema.ts';
import { loadAgentConfig } from '../../lib/config/agent-config.ts';
import { createDynamoOutcomeStore } from '../../lib/store/dynamodb-outcome-store.ts';
import { parameterValue } from '../../lib/config/parameter-value.ts';
import { loadFunctionConfig } from '../../lib/lambda/config-source.ts';
import { createSsmParameterStore, ssmClient } from '../../lib/secrets/parameters.ts';

import { deployStack, type DeployedStack } from '../testenv/deployed.ts';
import { httpApiEvent, LambdaDriver, serveHttpApi } from '../testenv/lambda-driver.ts';
import { startAlertmanager } from '../testenv/alertmanager.ts';
import { stopProcesses } from '../testenv/processes.ts';

const PROD_CONFIG = 'config/stages/prod/agent_config.yaml';

/**
 * The real serverless.yml, packaged as the release packages it and deployed with `osls deploy --package` to the AWS
 * emulator with IAM authorisation on: what the deploy created, read back through each service's
 * API as it would be from AWS. The resource types the emulator's CloudFormation does not parse
 * are created through its service backends (scripts/testenv/moto_extras.py; the README names them).
 */
let stack: DeployedStack;
let driver: LambdaDriver;

beforeAll(async () => {
  const deployed = await deployStack('dev');
  stack = deployed;
  driver = new LambdaDriver(deployed);
  console.log(
    `scripts/package.sh dev: ${deployed.packageMs} ms; osls deploy --package to the emulator: ${deployed.deployMs} ms, ${deployed.resources.length} resources`,
  );
}, 300_000);

afterAll(async () => {
  await driver?.stop();
  await stack?.stop();
});

const client = <T>(make: new (options: typeof stack.moto.clientOptions) => T): T =>
  new make({ ...stack.moto.clientOptions, region: stack.region });

/** The packaged template's resources the stage creates (its conditions evaluated for dev). */
function expectedResources(): [string, string][] {
  const off = new Set(['HasEksCluster']);
  return Object.entries(stack.template.Resources)
    .filter(([, resource]) => {
      const condition = (resource as { Condition?: string }).Condition;
      return condition === undefined || !off.has(condition);
    })
    .map(([id, resource]) => [id, resource.Type]);
}

const FUNCTIONS = ['Receiver', 'Detector', 'Remediator', 'Audit'] as const;

describe('serverless.yml deployed to the emulator', () => {
  it('creates every resource of the packaged template, each with a physical ID', () => {
    expect(stack.template.Conditions).toHaveProperty('HasEksCluster');
    const created = new Map(stack.resources.map((r) => [r.LogicalResourceId!, r]));

    for (const [id, type] of expectedResources()) {
      // The emulator gives a Lambda permission no physical ID (AWS gives it the statement's ID).
      const physical = type === 'AWS::Lambda::Permission' || Boolean(created.get(id)?.PhysicalResourceId);
      expect({ id, type: created.get(id)?.ResourceType, physical }).toEqual({ id, type, physical: true });
    }
    expect(stack.resources.length).toBe(expectedResources().length);
  });

  it('reports the template’s outputs, the webhook URL among them', () => {
    expect(Object.keys(stack.outputs).sort()).toEqual(Object.keys(stack.template.Outputs ?? {}).sort());
    expect(stack.outputs.WebhookUrl).toBe(
      `https://${stack.physicalId('HttpApi')}.execute-api.${stack.region}.amazonaws.com/alerts`,
    );
    expect(stack.outputs.NotificationTopicArn).toBe(stack.physicalId('NotificationTopic'));
  });

  it('refuses a request the emulator cannot authenticate: IAM is enforced', async () => {
    const stranger = new IAMClient({
      ...stack.moto.clientOptions,
      credentials: { accessKeyId: 'AKIANOTAKEY000000000', secretAccessKey: 'nope' },
    });

    await expect(stranger.send(new GetUserCommand({}))).rejects.toThrow(/InvalidClientTokenId|security token/i);
  });

  it('gives every role of the stack the stage’s permissions boundary, which must exist first', async () => {
    const iam = client(IAMClient);
    const roles = Object.entries(stack.template.Resources).filter(([, resource]) => resource.Type === 'AWS::IAM::Role');
    const boundary = `arn:aws:iam::${(await iam.send(new GetUserCommand({}))).User!.Arn!.split(':')[4]}:policy/kubemend-dev-boundary`;

    for (const [id] of roles) {
      const { Role } = await iam.send(new GetRoleCommand({ RoleName: stack.physicalId(id) }));
      expect({ id, boundary: Role?.PermissionsBoundary?.PermissionsBoundaryArn }).toEqual({ id, boundary });
    }
    expect(roles.length).toBeGreaterThanOrEqual(5);
    // As IAM does: a role whose boundary was never created is refused (README, deploy step 0).
    await expect(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'kubemend-dev-without-its-boundary',
          AssumeRolePolicyDocument: readFileSync('infra/iam/lambda-trust.json', 'utf8'),
          PermissionsBoundary: boundary.replace('kubemend-dev-boundary', 'kubemend-nope-boundary'),
        }),
      ),
    ).rejects.toThrow(/does not exist or is not attachable/);
  });

  // The architecture is not compared: the emulator reports x86_64 whatever the template says (arm64).
  it('gives each function its own role, the Node 24 runtime, and the memory and timeout declared', async () => {
    const lambda = client(LambdaClient);
    const roles = new Set<string>();
    for (const name of FUNCTIONS) {
      const declared = stack.template.Resources[`${name}LambdaFunction`]!.Properties as {
        MemorySize: number;
        Timeout: number;
        Handler: string;
      };
      const config = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: stack.physicalId(`${name}LambdaFunction`) }),
      );

      expect(config).toMatchObject({
        Runtime: 'nodejs24.x',
        MemorySize: declared.MemorySize,
        Timeout: declared.Timeout,
        Handler: declared.Handler,
      });
      expect(config.Role).toMatch(new RegExp(`:role/${stack.physicalId(`${name}Role`)}$`));
      expect(config.Environment?.Variables).toMatchObject({ KUBEMEND_LOG_LEVEL: expect.any(String) });
      roles.add(config.Role!);
    }
    expect(roles.size).toBe(FUNCTIONS.length);
  });

  it('feeds the workers from their queues through the live aliases, with partial batch answers', async () => {
    const lambda = client(LambdaClient);
    const sqs = client(SQSClient);
    const mappings = (await lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? [];

    for (const [name, queue, batch] of [
      ['Detector', 'AlertQueue', 5],
      ['Remediator', 'PlanQueue', 1],
    ] as const) {
      const alias = await lambda.send(
        new GetAliasCommand({ FunctionName: stack.physicalId(`${name}LambdaFunction`), Name: 'live' }),
      );
      const url = stack.physicalId(queue);
      const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })))
        .Attributes!;
      const mapping = mappings.find((m) => m.EventSourceArn === attributes.QueueArn);

      expect(mapping).toMatchObject({ BatchSize: batch, FunctionResponseTypes: ['ReportBatchItemFailures'] });
      // The mapping names the alias; the emulator resolves it to the version the alias points at.
      expect(mapping!.FunctionArn).toMatch(
        new RegExp(`:${stack.physicalId(`${name}LambdaFunction`)}:(live|${alias.FunctionVersion})$`),
      );
      const redrive = JSON.parse(attributes.RedrivePolicy!) as { maxReceiveCount: number; deadLetterTargetArn: string };
      expect(redrive.maxReceiveCount).toBe(5);
      expect(redrive.deadLetterTargetArn).toMatch(
        new RegExp(
          `:${name === 'Detector' ? 'kubemend-dev-AlertDeadLetterQueue' : 'kubemend-dev-PlanDeadLetterQueue'}-`,
        ),
      );
      // AWS refuses an event source mapping whose queue hides a message for less than the function may run.
      const timeout = (stack.template.Resources[`${name}LambdaFunction`]!.Properties as { Timeout: number }).Timeout;
      expect(Number(attributes.VisibilityTimeout)).toBeGreaterThanOrEqual(timeout);
    }
  });

  it('routes POST /alerts and POST /slack/interactions of the HTTP API to the receiver’s live alias (payload 2.0)', async () => {
    const api = client(ApiGatewayV2Client);
    const apiId = stack.physicalId('HttpApi');
    const routes = (await api.send(new GetRoutesCommand({ ApiId: apiId }))).Items ?? [];

    expect(routes.map((route) => route.RouteKey).sort()).toEqual(['POST /alerts', 'POST /slack/interactions']);
    for (const route of routes) {
      const integrationId = route.Target!.replace(/^integrations\//, '');
      const integration = await api.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: integrationId }));
      expect(integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      expect(integration.IntegrationUri).toMatch(
        new RegExp(`:function:${stack.physicalId('ReceiverLambdaFunction')}:live$`),
      );
    }
  });

  it('raises its alarms on the dead-letter queues and the functions’ errors', async () => {
    const alarms = (await client(CloudWatchClient).send(new DescribeAlarmsCommand({}))).MetricAlarms ?? [];
    const byName = new Map(alarms.map((alarm) => [alarm.AlarmName, alarm]));

    for (const id of ['AlertDeadLetterAlarm', 'PlanDeadLetterAlarm', 'FunctionErrorsAlarm']) {
      expect(byName.has(stack.physicalId(id))).toBe(true);
    }
    const dead = byName.get(stack.physicalId('AlertDeadLetterAlarm'))!;
    expect(dead).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' });
  });
  it('reads the prod config from its SSM parameter as the pipeline writes it, and fails a cold start on a missing one', async () => {
    const { value, tier } = parameterValue(readFileSync(PROD_CONFIG, 'utf8'), PROD_CONFIG);
    expect(tier).toBe('Advanced');
    await client(SSMClient).send(
      new PutParameterCommand({
        Name: '/kubemend/prod/agent-config',
        Type: 'String',
        // As the release workflow writes it: SSM chooses the tier.
        Tier: 'Intelligent-Tiering',
        Value: value,
        Overwrite: true,
      }),
    );
    const parameters = createSsmParameterStore(ssmClient(stack.moto.awsEnv));
    const vars = { KUBEMEND_CONFIG_PATH: PROD_CONFIG };

    await expect(
      loadFunctionConfig({ ...vars, KUBEMEND_CONFIG_PARAMETER: '/kubemend/prod/agent-config' }, parameters),
    ).resolves.toEqual(loadAgentConfig(PROD_CONFIG));
    await expect(
      loadFunctionConfig({ ...vars, KUBEMEND_CONFIG_PARAMETER: '/kubemend/prod/missing' }, parameters),
    ).rejects.toThrow(
      'cannot read agent config from SSM parameter /kubemend/prod/missing: it does not exist or has no value',
    );
  });
});

const TOKEN = 'deployed-stack-webhook-credential';

describe('the deployed functions, run as Lambda runs them', () => {
  it('takes an alert through the HTTP API route, the alert queue and the detector to its record in DynamoDB', async () => {
    // The README's first deploy step: the webhook credential as a SecureString.
    await client(SSMClient).send(
      new PutParameterCommand({
        Name: '/kubemend/dev/webhook-token',
        Type: 'SecureString',
        Value: TOKEN,
        Overwrite: true,
      }),
    );
    const body = readFileSync('tests/fixtures/alerts/crashlooping-single.json', 'utf8');
    const post = (authorization: string) =>
      driver.invoke(
        'Receiver',
        httpApiEvent(stack, {
          method: 'POST',
          path: '/alerts',
          headers: { 'content-type': 'application/json', authorization },
          body,
        }),
      );

    const refused = await post('Bearer not-the-credential');
    const accepted = await post(`Bearer ${TOKEN}`);

    expect(refused).toMatchObject({ ok: true, coldStart: true, value: { statusCode: 401 } });
    expect(accepted).toMatchObject({ ok: true, coldStart: false, value: { statusCode: 202 } });
    expect(JSON.parse((accepted as { value: { body: string } }).value.body)).toMatchObject({ accepted: 1 });
    // This stage has no Slack signing secret: its Slack route says so, and queues nothing.
    const slack = await driver.invoke(
      'Receiver',
      httpApiEvent(stack, { method: 'POST', path: '/slack/interactions', headers: {}, body: 'payload=%7B%7D' }),
    );
    expect(slack).toMatchObject({
      ok: true,
      value: { statusCode: 404, body: expect.stringContaining('Slack approvals are not set up on this stage') },
    });

    const polled = await driver.pollQueue('Detector', 'AlertQueue');

    expect({ messages: polled.messages.length, failed: polled.failed, result: polled.result?.ok }).toEqual({
      messages: 1,
      failed: [],
      result: true,
    });
    const alert = parseWebhook(JSON.parse(body)).alerts[0]!;
    const store = createDynamoOutcomeStore(stack.moto.dynamodb(), {
      tableName: stack.physicalId('OutcomesTable'),
      retentionDays: 30,
    });
    // The shipped dev config registers no cluster: the alert's cluster is unknown, and the record says what to do.
    expect(await store.get(alertId(alert))).toMatchObject({
      stage: 'done',
      cluster: 'prod-eu-west-1',
      result: 'unknown-cluster',
      reason: expect.stringMatching(
        /^no cluster is registered in this deployment's config, so cluster "prod-eu-west-1" cannot be reached: register it as the SSM parameter \/kubemend\/dev\/clusters\/prod-eu-west-1 or under clusters/,
      ),
      trigger: { kind: 'alert', receiver: 'kubemend' },
    });
  }, 120_000);
  it('runs events that arrive together in environments of their own, within the reserved concurrency', async () => {
    const post = () =>
      driver.invoke(
        'Receiver',
        httpApiEvent(stack, {
          method: 'POST',
          path: '/alerts',
          headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-credential' },
          body: '{}',
        }),
      );
    const warm = await driver.environments('Receiver');

    // The receiver reserves none: each request at once gets an environment, the idle one first.
    const answers = await Promise.all([post(), post(), post()]);

    expect(answers.map((answer) => answer.ok && (answer.value as { statusCode: number }).statusCode)).toEqual([
      401, 401, 401,
    ]);
    expect(answers.filter((answer) => answer.coldStart)).toHaveLength(3 - warm);
    expect(await driver.environments('Receiver')).toBe(3);

    // The remediator reserves 2 (remediatorConcurrency): a third event waits for one of those.
    const reserved = (
      stack.template.Resources.RemediatorLambdaFunction!.Properties as { ReservedConcurrentExecutions: number }
    ).ReservedConcurrentExecutions;
    const approvals = await Promise.all(
      [1, 2, 3].map((n) => driver.invoke('Remediator', { approve: `no-such-record-${n}`, by: 'sre-on-call' })),
    );

    expect(reserved).toBe(2);
    expect(approvals.map((answer) => answer.ok)).toEqual([false, false, false]);
    expect(approvals.filter((answer) => answer.coldStart)).toHaveLength(reserved);
    expect(await driver.environments('Remediator')).toBe(reserved);
  }, 120_000);
  it('answers a real Alertmanager through the HTTP API route, and the detector records what it sent', async () => {
    const api = await serveHttpApi(driver, stack, { routes: ['POST /alerts'], function: 'Receiver' });
    const workDir = mkdtempSync(join(tmpdir(), 'kubemend-deployed-am-'));
    const alertmanager = await startAlertmanager({
      workDir,
      urls: [`${api.url}/alerts`],
      token: TOKEN,
      repeatInterval: '1h',
    });
    try {
      // As API Gateway answers them, before any function runs.
      expect((await fetch(`${api.url}/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect(
        (await fetch(`${api.url}/alerts`, { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1, 32) })).status,
      ).toBe(413);
      const labels = { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-0', cluster: 'prod-eu-west-1' };
      const posted = await fetch(`${alertmanager.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ labels, annotations: { summary: 'Pod is crash looping.' } }]),
      });
      expect(posted.status).toBe(200);
      const store = createDynamoOutcomeStore(stack.moto.dynamodb(), {
        tableName: stack.physicalId('OutcomesTable'),
        retentionDays: 30,
      });
      const deadline = Date.now() + 60_000;
      let records: Awaited<ReturnType<typeof store.recent>> = [];
      while (Date.now() < deadline) {
        await driver.pollQueue('Detector', 'AlertQueue');
        records = (await store.recent({ limit: 50 })).filter((r) => r.alert.labels.pod === 'cart-0');
        if (records.length > 0) break;
      }

      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        stage: 'done',
        result: 'unknown-cluster',
        trigger: { kind: 'alert', receiver: 'kubemend', groupKey: expect.stringContaining('KubePodCrashLooping') },
      });
    } finally {
      await stopProcesses([alertmanager.process]);
      await api.close();
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 120_000);
  it('sets a message the detector cannot read aside in the dead-letter queue after 5 receives, which its alarm watches', async () => {
    const sqs = client(SQSClient);
    const queueUrl = stack.physicalId('AlertQueue');
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"not":"an alert message"}' }));

    const receives: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const polled = await driver.pollQueue('Detector', 'AlertQueue');
      receives.push(polled.messages.length);
      // What the queue's visibility timeout (360 s) would do in time: the failed message reappears.
      for (const message of polled.messages.filter((m) => polled.failed.includes(m.MessageId!))) {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: 0,
          }),
        );
      }
    }

    // Received and reported failed 5 times (maxReceiveCount), then moved: the sixth receive finds nothing.
    expect(receives).toEqual([1, 1, 1, 1, 1, 0]);
    const dead = (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.physicalId('AlertDeadLetterQueue'),
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      )
    ).Attributes!;
    const alarm = (
      await client(CloudWatchClient).send(
        new DescribeAlarmsCommand({ AlarmNames: [stack.physicalId('AlertDeadLetterAlarm')] }),
      )
    ).MetricAlarms![0]!;
    expect(Number(dead.ApproximateNumberOfMessages)).toBe(1);
    // The alarm's metric is the dead-letter queue's visible messages, over a threshold of 0.
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    expect(Number(dead.ApproximateNumberOfMessages)).toBeGreaterThan(alarm.Threshold!);
  }, 120_000);
});
