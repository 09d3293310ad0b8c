import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Sha256Js } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { createServer } from 'node:net';

import { parseAwsEnv } from '../../../lib/env.ts';
import { AwsServiceError } from '../../../lib/errors.ts';
import {
  AWS_JSON_RETRY,
  createAwsJsonClient,
  createRequestSigner,
  resolveEndpoint,
  type AwsJsonClient,
  type AwsJsonClientOptions,
} from '../../../lib/aws/json-protocol.ts';
import { createSqsQueue } from '../../../lib/queue/sqs-queue.ts';
import { ssmClient } from '../../../lib/secrets/parameters.ts';
import { startFakeAws, type FakeAws } from '../../helpers/loopback.ts';

const NOW = new Date('2026-11-26T02:14:05.123Z');
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test-secret-access-key' };

let aws: FakeAws;
/** The environment Lambda would give, parsed as the functions parse it. */
let env: Record<string, string | undefined>;
const awsOf = (variables: Record<string, string | undefined>) => parseAwsEnv(variables);
let sleeps: number[];

/** GetParameter's value, as the SSM parameter store asks for it. */
async function getParameter(ssm: AwsJsonClient, name: string): Promise<string | undefined> {
  const answer = await ssm.call<{ Parameter?: { Value?: string } }>('AmazonSSM.GetParameter', {
    Name: name,
    WithDecryption: true,
  });
  return answer.Parameter?.Value;
}

function client(overrides: Partial<AwsJsonClientOptions> = {}) {
  return createAwsJsonClient({
    service: 'ssm',
    jsonVersion: '1.1',
    aws: awsOf(env),
    retry: {
      ...AWS_JSON_RETRY,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 1,
    },
    ...overrides,
  });
}

beforeAll(async () => {
  aws = await startFakeAws();
});

afterAll(() => aws.close());

beforeEach(() => {
  aws.requests.splice(0);
  aws.override = undefined;
  aws.parameters.clear();
  sleeps = [];
  env = {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: aws.url,
  };
});

describe('SigV4 signing', () => {
  it.each<[string, { accessKeyId: string; secretAccessKey: string; sessionToken?: string }]>([
    ['long-term keys', CREDENTIALS],
    ['session credentials', { ...CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEBYaDExampleSessionToken' }],
  ])('signs exactly as an independent SDK signer does, with %s', async (_, credentials) => {
    const body = JSON.stringify({ Name: '/kubemend/prod/webhook-token', WithDecryption: true });
    const url = new URL('https://ssm.eu-west-1.amazonaws.com/');
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' };

    const ours = await createRequestSigner({ service: 'ssm', region: 'eu-west-1', credentials })({
      url,
      headers,
      body,
      now: NOW,
    });
    // The SDK's pure-JavaScript SHA-256, so the node:crypto hash kubemend signs with is checked too.
    const sdk = await new SignatureV4({
      service: 'ssm',
      region: 'eu-west-1',
      credentials,
      sha256: Sha256Js,
      applyChecksum: false,
    }).sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: url.hostname,
        path: '/',
        headers: { ...headers, host: url.host },
        body,
      },
      { signingDate: NOW },
    );

    // As the SDK's JSON clients sign: no x-amz-content-sha256 header (applyChecksum off).
    const signature = (value: string | undefined) => /Signature=([0-9a-f]{64})$/.exec(value ?? '')?.[1];
    expect(ours['x-amz-date']).toBe('20261126T021405Z');
    expect(ours['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(signature(ours.authorization)).toBe(signature(sdk.headers.authorization));
    expect(ours.authorization).toContain(`Credential=AKIDEXAMPLE/20261126/eu-west-1/ssm/aws4_request`);
  });
});

describe('endpoints', () => {
  it('takes the service override, then the global one, then the default, then the regional endpoint', () => {
    const at = (region: string, overrides: Record<string, string> = {}) =>
      awsOf({ ...env, AWS_ENDPOINT_URL: undefined, AWS_REGION: region, ...overrides });

    expect(
      resolveEndpoint('ssm', at('eu-west-1', { AWS_ENDPOINT_URL_SSM: 'http://a', AWS_ENDPOINT_URL: 'http://b' })),
    ).toBe('http://a');
    expect(resolveEndpoint('ssm', at('eu-west-1', { AWS_ENDPOINT_URL: 'http://b' }), 'http://c')).toBe('http://b');
    expect(
      resolveEndpoint(
        'sqs',
        at('eu-west-1', { AWS_ENDPOINT_URL_SSM: 'http://a' }),
        'https://sqs.eu-west-1.amazonaws.com',
      ),
    ).toBe('https://sqs.eu-west-1.amazonaws.com');
    expect(resolveEndpoint('ssm', at('us-east-2'))).toBe('https://ssm.us-east-2.amazonaws.com');
    expect(resolveEndpoint('ssm', at('cn-north-1'))).toBe('https://ssm.cn-north-1.amazonaws.com.cn');
  });
});

describe('AWS JSON client', () => {
  it('posts the input with the target and JSON content type and returns the decoded answer', async () => {
    aws.parameters.set('/kubemend/test/token', 'a-webhook-credential-of-some-length');

    const value = await getParameter(ssmClient(awsOf(env)), '/kubemend/test/token');

    expect(value).toBe('a-webhook-credential-of-some-length');
    const [request] = aws.requests;
    expect(request?.target).toBe('AmazonSSM.GetParameter');
    expect(request?.input).toEqual({ Name: '/kubemend/test/token', WithDecryption: true });
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
  });

  it('sends requests whose signature an independent signer reproduces from what the server received', async () => {
    aws.parameters.set('/p', 'v');

    await getParameter(client(), '/p');

    const [request] = aws.requests;
    const headers = request!.headers as Record<string, string>;
    const url = new URL(aws.url);
    const signedNames = /SignedHeaders=([^,]+),/.exec(headers.authorization ?? '')?.[1]?.split(';') ?? [];
    const expected = await new SignatureV4({
      service: 'ssm',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      sha256: Sha256Js,
      applyChecksum: false,
    }).sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: Object.fromEntries(signedNames.map((name) => [name, headers[name] ?? ''])),
        body: JSON.stringify(request!.input),
      },
      {
        signingDate: new Date(
          headers['x-amz-date']!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
        ),
      },
    );

    expect(signedNames).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-target', 'content-type']));
    expect(headers.authorization).toBe(expected.headers.authorization);
  });

  it('names a service error by its type, keeps its message and does not retry a client error', async () => {
    const failure = await getParameter(client(), '/missing').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AwsServiceError);
    expect(failure).toMatchObject({
      name: 'ParameterNotFound',
      message: '/missing not found',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    expect(aws.requests).toHaveLength(1);
  });

  it('retries throttling and 5xx with growing backoff, then succeeds', async () => {
    const answers = [
      { status: 400, body: { __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate exceeded' } },
      { status: 503, body: { __type: 'ServiceUnavailable', message: 'try later' } },
    ];
    aws.override = () => answers.shift();
    aws.parameters.set('/p', 'v');

    await expect(getParameter(client(), '/p')).resolves.toBe('v');

    expect(aws.requests).toHaveLength(3);
    expect(sleeps).toEqual([200, 400]);
  });

  it('gives up after three attempts with the last error', async () => {
    aws.override = () => ({ status: 500, body: { __type: 'InternalServerError', message: 'boom' } });

    await expect(getParameter(client(), '/p')).rejects.toMatchObject({
      name: 'InternalServerError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500, attempts: 3 },
    });
    expect(aws.requests).toHaveLength(3);
  });

  it('retries a refused connection and then fails with the network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));

    await expect(
      getParameter(client({ aws: awsOf({ ...env, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }) }), '/p'),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(sleeps).toHaveLength(2);
  });
});

describe('SQS queue', () => {
  const queueUrl = () => `${aws.url}/000000000000/alerts`;

  it('sends batches of ten to the queue URL, bodies as JSON', async () => {
    const messages = Array.from({ length: 23 }, (_, index) => ({ n: index }));

    await createSqsQueue(queueUrl(), awsOf(env)).send(messages);

    const batches = aws.requests.map((request) => request.input as { QueueUrl: string; Entries: unknown[] });
    expect(batches.map((batch) => batch.Entries.length)).toEqual([10, 10, 3]);
    expect(batches.every((batch) => batch.QueueUrl === queueUrl())).toBe(true);
    expect(aws.sent.map((body) => (JSON.parse(body) as { n: number }).n)).toEqual(messages.map((m) => m.n));
  });

  it('uses the queue URL as the endpoint when nothing overrides it', async () => {
    await createSqsQueue(queueUrl(), awsOf({ ...env, AWS_ENDPOINT_URL: undefined })).send([{ n: 1 }]);

    expect(aws.requests.map((request) => request.target)).toEqual(['AmazonSQS.SendMessageBatch']);
  });

  it('fails when SQS did not take every message, naming the first reason', async () => {
    aws.override = () => ({
      status: 200,
      body: {
        Successful: [],
        Failed: [{ Id: '0', Code: 'InternalError', Message: 'try again', SenderFault: false }],
      },
    });

    await expect(createSqsQueue(queueUrl(), awsOf(env)).send([{ n: 1 }])).rejects.toMatchObject({
      code: 'queue_send_failed',
      message: '1 of 1 messages were not queued: InternalError try again',
    });
  });

  it('fails when SQS reports a different digest of a body than what was sent', async () => {
    aws.override = () => ({ status: 200, body: { Successful: [{ Id: '0', MD5OfMessageBody: '0'.repeat(32) }] } });

    await expect(createSqsQueue(queueUrl(), awsOf(env)).send([{ n: 1 }])).rejects.toMatchObject({
      code: 'queue_send_failed',
    });
  });
});
