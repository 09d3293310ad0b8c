import { describe, expect, it, afterAll, beforeAll, beforeEach } from '@jest/globals';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { join } from 'node:path';

import type { Alert } from '../../lib/alert/schema.ts';
import type { AlertMessage } from '../../lib/pipeline/messages.ts';
import { alertFixture } from '../helpers/fixtures.ts';
import { startFakeAws, type FakeAws } from '../helpers/loopback.ts';

/**
 * SQS and DynamoDB on loopback (the plan queue's URL and AWS_ENDPOINT_URL_DYNAMODB name it), to
 * see what the detector queues and writes, in the wire form DynamoDB is sent.
 */
let aws: FakeAws;
const planBatches = () => aws.requests.filter((request) => request.target === 'AmazonSQS.SendMessageBatch');
type Wire = Record<string, Record<string, unknown>>;
const dynamoCalls = (operation: string) =>
  aws.requests
    .filter((request) => request.target === `DynamoDB_20120810.${operation}`)
    .map((request) => request.input as { ConditionExpression?: string; Item?: Wire; ExpressionAttributeValues?: Wire });
/** The outcome documents the detector saved (UpdateItem's `:doc`). */
const savedDocs = () =>
  dynamoCalls('UpdateItem').map(
    (input) =>
      JSON.parse(input.ExpressionAttributeValues![':doc']!.S as string) as {
        id: string;
        result?: string;
        reason?: string;
      },
  );
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
  aws = await startFakeAws();
  Object.assign(process.env, {
    KUBEMEND_TABLE_NAME: 'kubemend-test',
    KUBEMEND_PLAN_QUEUE_URL: `${aws.url}/000000000000/kubemend-plans`,
    KUBEMEND_CONFIG_PATH: join(import.meta.dirname, '../../config/agent_config.yaml'),
    KUBEMEND_RETENTION_DAYS: '90',
    KUBEMEND_LEASE_SECONDS: '300',
    KUBEMEND_KUBE_TIMEOUT_SECONDS: '5',
    KUBEMEND_LOG_LEVEL: 'silent',
    KUBECONFIG: '/nonexistent/kubeconfig',
    // As Lambda sets them: the function role's credentials, which the SQS, SSM and DynamoDB clients sign with.
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_DYNAMODB: aws.url,
    AWS_ACCESS_KEY_ID: 'AKIDWORKERTEST',
    AWS_SECRET_ACCESS_KEY: 'worker-test-secret-key',
  });
  ({ handler: detector } = await import('../../functions/detector.ts'));
});

afterAll(() => aws.close());

beforeEach(() => {
  aws.items = new Map();
  aws.requests.splice(0);
  aws.override = undefined;
});

describe('detector Lambda through its middy chain', () => {
  it('claims a new alert instance with a conditional write and records a cluster no registry names as unknown', async () => {
    const alert = alertFixture();

    const response = await detector({ Records: [record('m1', alertMessage(alert))] }, context);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamoCalls('PutItem')[0]).toMatchObject({
      TableName: 'kubemend-test',
      ConditionExpression: 'attribute_not_exists(PK)',
      Item: {
        PK: { S: 'ALERT#db557f6812d5890b@2026-11-26T02:14:05.123Z' },
        SK: { S: 'OUTCOME' },
        stage: { S: 'received' },
        attempts: { N: '1' },
      },
    });
    expect(dynamoCalls('UpdateItem')[0]!.ConditionExpression).toBe('attempts = :mine');
    const [saved] = savedDocs();
    // A function has no kubeconfig to fall back on: with no cluster registered, none is reached.
    expect(saved!.result).toBe('unknown-cluster');
    expect(saved!.reason).toContain('no cluster is registered in this deployment');
    expect(planBatches()).toHaveLength(0);
  });

  it('does nothing for a repeat of an instance already done', async () => {
    const alert = alertFixture();
    const id = `${alert.fingerprint}@${alert.startsAt}`;
    const done = {
      id,
      alert,
      stage: 'done',
      result: 'dry-run',
      timings: { receivedAt: '2026-11-26T02:20:00Z' },
      attempts: 1,
    };
    // The record is there: the claim's conditional put fails, and the read finds it done.
    aws.items.set(`ALERT#${id}|OUTCOME`, {
      PK: { S: `ALERT#${id}` },
      SK: { S: 'OUTCOME' },
      stage: { S: 'done' },
      leaseUntil: { N: '0' },
      attempts: { N: '1' },
      doc: { S: JSON.stringify(done) },
    });

    const response = await detector({ Records: [record('m1', alertMessage(alert))] }, context);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamoCalls('PutItem')).toHaveLength(1);
    expect(dynamoCalls('GetItem')).toHaveLength(1);
    expect(dynamoCalls('UpdateItem')).toHaveLength(0);
  });

  it('reports only the malformed, the garbled and the throttled records of a batch for retry, and completes the rest', async () => {
    const good = { ...alertFixture(), fingerprint: 'aaaa000000000001' };
    const throttled = { ...alertFixture(), fingerprint: 'bbbb000000000002' };
    // DynamoDB throttles every attempt to claim the second alert (the client retries, then gives up).
    aws.override = (target, input) =>
      target === 'DynamoDB_20120810.PutItem' &&
      (input.Item as Wire).PK!.S === `ALERT#bbbb000000000002@${throttled.startsAt}`
        ? {
            status: 400,
            body: {
              __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
              message: 'slow down',
            },
          }
        : undefined;

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
    // Throttling is retried as the SDK retries it: three attempts in all.
    const throttledClaims = dynamoCalls('PutItem').filter((input) =>
      String(input.Item!.PK!.S).startsWith('ALERT#bbbb'),
    );
    expect(throttledClaims).toHaveLength(3);
    expect(savedDocs()).toEqual([
      expect.objectContaining({ id: `aaaa000000000001@${good.startsAt}`, result: 'unknown-cluster' }),
    ]);
  });
});
