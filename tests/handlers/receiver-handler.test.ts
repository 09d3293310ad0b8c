import { describe, expect, it, beforeAll, beforeEach } from '@jest/globals';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';

import { readFixture } from '../helpers/fixtures.ts';

const SECRET = 'receiver-test-credential-0123';
const QUEUE = 'http://127.0.0.1:4566/000000000000/kubemend-alerts';
const sqs = mockClient(SQSClient);
const ssm = mockClient(SSMClient);

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;

function event(body: string, authorization: string | undefined = `Bearer ${SECRET}`): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /alerts',
    rawPath: '/alerts',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Alertmanager/0.25.0',
      ...(authorization ? { Authorization: authorization } : {}),
    },
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: '/alerts',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'Alertmanager/0.25.0',
      },
      requestId: 'req-1',
      routeKey: 'POST /alerts',
      stage: '$default',
      time: '26/Nov/2026:02:20:00 +0000',
      timeEpoch: 1795659600000,
    },
    body,
    isBase64Encoded: false,
  };
}

const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

beforeAll(async () => {
  process.env.KUBEMEND_ALERT_QUEUE_URL = QUEUE;
  process.env.KUBEMEND_WEBHOOK_TOKEN_PARAMETER = '/kubemend/test/webhook-token';
  process.env.KUBEMEND_LOG_LEVEL = 'silent';
  process.env.AWS_REGION = 'eu-west-1';
  ({ handler } = (await import('../../functions/receiver.ts')) as unknown as { handler: Handler });
});

beforeEach(() => {
  sqs.reset();
  ssm.reset();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: SECRET } });
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('receiver Lambda through its middy chain', () => {
  it('answers 202 with the accepted count and queues each alert', async () => {
    const response = await handler(event(readFixture('alerts/grouped-namespace.json')), context);

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toMatchObject({ accepted: 3, firing: 3 });
    const sent = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe(QUEUE);
    expect(
      sent.Entries?.map(
        (entry) => (JSON.parse(entry.MessageBody!) as { alert: { fingerprint: string } }).alert.fingerprint,
      ),
    ).toEqual(['db557f6812d5890b', 'fca317a195ae607f', '21d42e261cbb7ebf']);
  });

  it('answers 400 naming the field for a malformed body and queues nothing', async () => {
    const response = await handler(event(readFixture('alerts/invalid/missing-version.json')), context);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!)).toMatchObject({
      error: 'invalid_input',
      issues: [expect.stringMatching(/^version: /)],
    });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('answers 401 to a wrong credential before reading the body', async () => {
    const response = await handler(event(readFixture('alerts/crashlooping-single.json'), 'Bearer nope'), context);

    expect(response.statusCode).toBe(401);
    expect(response.headers?.['www-authenticate']).toContain('Bearer');
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('decodes a base64 body as API Gateway may send it', async () => {
    const body = Buffer.from(readFixture('alerts/crashlooping-single.json')).toString('base64');

    const response = await handler({ ...event(body), isBase64Encoded: true }, context);

    expect(JSON.parse(response.body!)).toMatchObject({ accepted: 1 });
  });

  it('answers a bare 500 when the queue refuses, so Alertmanager retries, and leaks no detail', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .rejects(new Error('AccessDenied on arn:aws:sqs:eu-west-1:000000000000:kubemend-alerts'));

    const response = await handler(event(readFixture('alerts/crashlooping-single.json')), context);

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('arn:aws');
    expect(JSON.parse(response.body!)).toEqual({
      error: 'internal_error',
      message: 'internal error; the details are in kubemend logs',
    });
  });

  it('reads the credential from SSM once per container', async () => {
    // Earlier requests in this container fetched it; the mocks were reset since.
    await handler(event(readFixture('alerts/crashlooping-single.json')), context);
    await handler(event(readFixture('alerts/crashlooping-single.json')), context);

    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });
});
