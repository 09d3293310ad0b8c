import { describe, expect, it, afterAll, beforeAll, beforeEach } from '@jest/globals';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

import { readFixture } from '../helpers/fixtures.ts';
import { startFakeAws, type FakeAws } from '../helpers/loopback.ts';

const SECRET = 'receiver-test-credential-0123';
const PARAMETER = '/kubemend/test/webhook-token';
let aws: FakeAws;
let queue: string;

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

/** The SendMessageBatch requests the fake SQS got, in order. */
const batches = () =>
  aws.requests.filter((request) => request.target === 'AmazonSQS.SendMessageBatch').map((request) => request.input);
const parameterReads = () => aws.requests.filter((request) => request.target === 'AmazonSSM.GetParameter');

beforeAll(async () => {
  // SQS and SSM over the AWS JSON protocol, on loopback: the queue URL names the endpoint, and
  // AWS_ENDPOINT_URL_SSM points SSM at the same server.
  aws = await startFakeAws();
  queue = `${aws.url}/000000000000/kubemend-alerts`;
  aws.parameters.set(PARAMETER, SECRET);
  Object.assign(process.env, {
    KUBEMEND_ALERT_QUEUE_URL: queue,
    KUBEMEND_WEBHOOK_TOKEN_PARAMETER: PARAMETER,
    KUBEMEND_LOG_LEVEL: 'silent',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_SSM: aws.url,
    AWS_ACCESS_KEY_ID: 'AKIDRECEIVERTEST',
    AWS_SECRET_ACCESS_KEY: 'receiver-test-secret-key',
  });
  ({ handler } = (await import('../../functions/receiver.ts')) as unknown as { handler: Handler });
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SSM;
  await aws.close();
});

beforeEach(() => {
  aws.requests.splice(0);
  aws.override = undefined;
});

describe('receiver Lambda through its middy chain', () => {
  it('answers 202 with the accepted count and queues each alert', async () => {
    const response = await handler(event(readFixture('alerts/grouped-namespace.json')), context);

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toMatchObject({ accepted: 3, firing: 3 });
    const sent = batches()[0] as { QueueUrl: string; Entries: { MessageBody: string }[] };
    expect(sent.QueueUrl).toBe(queue);
    expect(
      sent.Entries.map(
        (entry) => (JSON.parse(entry.MessageBody) as { alert: { fingerprint: string } }).alert.fingerprint,
      ),
    ).toEqual(['db557f6812d5890b', 'fca317a195ae607f', '21d42e261cbb7ebf']);
    // Signed as the SDK signs: SigV4 for sqs in the function's region.
    expect(aws.requests.at(-1)?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDRECEIVERTEST\/\d{8}\/eu-west-1\/sqs\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
  });

  it('answers 400 naming the field for a malformed body and queues nothing', async () => {
    const response = await handler(event(readFixture('alerts/invalid/missing-version.json')), context);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!)).toMatchObject({
      error: 'invalid_input',
      issues: [expect.stringMatching(/^version: /)],
    });
    expect(batches()).toHaveLength(0);
  });

  it('answers 401 to a wrong credential before reading the body', async () => {
    const response = await handler(event(readFixture('alerts/crashlooping-single.json'), 'Bearer nope'), context);

    expect(response.statusCode).toBe(401);
    expect(response.headers?.['www-authenticate']).toContain('Bearer');
    expect(batches()).toHaveLength(0);
  });

  it('decodes a base64 body as API Gateway may send it', async () => {
    const body = Buffer.from(readFixture('alerts/crashlooping-single.json')).toString('base64');

    const response = await handler({ ...event(body), isBase64Encoded: true }, context);

    expect(JSON.parse(response.body!)).toMatchObject({ accepted: 1 });
  });

  it('answers a bare 500 when the queue refuses, so Alertmanager retries, and leaks no detail', async () => {
    aws.override = (target) =>
      target === 'AmazonSQS.SendMessageBatch'
        ? {
            status: 400,
            body: {
              __type: 'com.amazonaws.sqs#AccessDenied',
              message: 'AccessDenied on arn:aws:sqs:eu-west-1:000000000000:kubemend-alerts',
            },
          }
        : undefined;

    const response = await handler(event(readFixture('alerts/crashlooping-single.json')), context);

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('arn:aws');
    expect(JSON.parse(response.body!)).toEqual({
      error: 'internal_error',
      message: 'internal error; the details are in kubemend logs',
    });
  });

  it('reads the credential from SSM once per container', async () => {
    // Earlier requests in this container fetched it; the request log was cleared since.
    await handler(event(readFixture('alerts/crashlooping-single.json')), context);
    await handler(event(readFixture('alerts/crashlooping-single.json')), context);

    expect(parameterReads()).toHaveLength(0);
    expect(batches()).toHaveLength(2);
  });
});
