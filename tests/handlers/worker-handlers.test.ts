import { describe, expect, it, afterAll, beforeAll, beforeEach } from '@jest/globals';
import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';

import type { Alert } from '../../lib/alert/schema.ts';
import type { AlertMessage } from '../../lib/pipeline/messages.ts';
import { alertFixture } from '../helpers/fixtures.ts';
import { startFakeAws, type FakeAws } from '../helpers/loopback.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
/** SQS on loopback (the plan queue's URL names it), to see what the detector queues. */
let sqs: FakeAws;
const planBatches = () => sqs.requests.filter((request) => request.target === 'AmazonSQS.SendMessageBatch');
type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let detector: Handler;
const context = { awsRequestId: 'req-1' } as unknown as Context;

function record(messageId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795659600000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1795659600000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:kubemend-alerts',
    awsRegion: 'eu-west-1',
  };
}

function alertMessage(alert: Alert): AlertMessage {
  return { kind: 'alert', alert, receivedAt: '2026-11-26T02:20:00Z', receiver: 'kubemend', groupKey: 'g' };
}

beforeAll(async () => {
  sqs = await startFakeAws();
  Object.assign(process.env, {
    KUBEMEND_TABLE_NAME: 'kubemend-test',
    KUBEMEND_PLAN_QUEUE_URL: `${sqs.url}/000000000000/kubemend-plans`,
    KUBEMEND_CONFIG_PATH: join(import.meta.dirname, '../../config/agent_config.yaml'),
    KUBEMEND_RETENTION_DAYS: '90',
    KUBEMEND_LEASE_SECONDS: '300',
    KUBEMEND_KUBE_TIMEOUT_SECONDS: '5',
    KUBEMEND_LOG_LEVEL: 'silent',
    KUBECONFIG: '/nonexistent/kubeconfig',
    // As Lambda sets them: the function role's credentials, which the SQS and SSM clients sign with.
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDWORKERTEST',
    AWS_SECRET_ACCESS_KEY: 'worker-test-secret-key',
  });
  ({ handler: detector } = await import('../../functions/detector.ts'));
});

afterAll(() => sqs.close());

beforeEach(() => {
  dynamo.reset();
  sqs.requests.splice(0);
});

describe('detector Lambda through its middy chain', () => {
  it('claims a new alert instance with a conditional write and records a cluster no registry names as unknown', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    const alert = alertFixture();

    const response = await detector({ Records: [record('m1', alertMessage(alert))] }, context);

    expect(response).toEqual({ batchItemFailures: [] });
    const put = dynamo.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put).toMatchObject({
      TableName: 'kubemend-test',
      ConditionExpression: 'attribute_not_exists(PK)',
      Item: { PK: 'ALERT#db557f6812d5890b@2026-11-26T02:14:05.123Z', SK: 'OUTCOME', stage: 'received', attempts: 1 },
    });
    const update = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ConditionExpression).toBe('attempts = :mine');
    const saved = JSON.parse(update.ExpressionAttributeValues![':doc'] as string) as { result: string; reason: string };
    // A function has no kubeconfig to fall back on: with no cluster registered, none is reached.
    expect(saved.result).toBe('unknown-cluster');
    expect(saved.reason).toContain('no cluster is registered in this deployment');
    expect(planBatches()).toHaveLength(0);
  });

  it('does nothing for a repeat of an instance already done', async () => {
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const alert = alertFixture();
    const done = {
      id: 'x',
      alert,
      stage: 'done',
      result: 'dry-run',
      timings: { receivedAt: '2026-11-26T02:20:00Z' },
      attempts: 1,
    };
    dynamo.on(GetCommand).resolves({
      Item: { PK: 'ALERT#x', SK: 'OUTCOME', stage: 'done', leaseUntil: 0, attempts: 1, doc: JSON.stringify(done) },
    });

    const response = await detector({ Records: [record('m1', alertMessage(alert))] }, context);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('reports only the malformed, the garbled and the throttled records of a batch for retry, and completes the rest', async () => {
    const good = { ...alertFixture(), fingerprint: 'aaaa000000000001' };
    const throttled = { ...alertFixture(), fingerprint: 'bbbb000000000002' };
    dynamo.on(PutCommand).resolves({});
    dynamo
      .on(PutCommand, { Item: { PK: `ALERT#bbbb000000000002@${throttled.startsAt}` } })
      .rejects(
        new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }),
      );
    dynamo.on(UpdateCommand).resolves({});

    const response = await detector(
      {
        Records: [
          record('bad', alertMessage({ ...good, startsAt: 'yesterday' })),
          { ...record('garbled', null), body: '{"kind":"alert",' },
          record('throttled', alertMessage(throttled)),
          record('good', alertMessage(good)),
        ],
      },
      context,
    );

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'bad' },
      { itemIdentifier: 'garbled' },
      { itemIdentifier: 'throttled' },
    ]);
    // The good record was claimed and recorded (its cluster is not registered here); the throttled one left nothing.
    const saved = dynamo.commandCalls(UpdateCommand).map(
      (call) =>
        JSON.parse(call.args[0].input.ExpressionAttributeValues![':doc'] as string) as {
          id: string;
          result?: string;
        },
    );
    expect(saved).toEqual([
      expect.objectContaining({ id: `aaaa000000000001@${good.startsAt}`, result: 'unknown-cluster' }),
    ]);
  });
});
