import { SignatureV4 } from '@smithy/signature-v4';

import { AwsServiceError } from '../errors.ts';
import type { FailedAttempt, RetryPolicy } from '../http/retry.ts';
import { sendHttp, withHttpRetries, type HttpAnswer } from '../http/transport.ts';
import { Sha256 } from './sha256.ts';

/**
 * A small client for AWS services that speak the AWS JSON protocol (SQS, SSM, …): one signed
 * POST per call, for functions whose cold start cannot afford an SDK client (the receiver). Same
 * conventions as the SDK where they matter: credentials from the Lambda environment
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), the region from
 * `AWS_REGION`, endpoint overrides from `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL`,
 * up to 3 attempts with jittered exponential backoff for throttling, 5xx and network errors,
 * kept-alive connections.
 */
export interface AwsJsonClient {
  /** `target` is the X-Amz-Target, e.g. `AmazonSQS.SendMessageBatch`. */
  call<Output>(target: string, input: unknown): Promise<Output>;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsJsonClientOptions {
  /** The signing name and endpoint prefix, e.g. `sqs`, `ssm`. */
  service: string;
  /** `1.0` (SQS, DynamoDB) or `1.1` (SSM). */
  jsonVersion: '1.0' | '1.1';
  env?: NodeJS.ProcessEnv;
  /** Base URL when neither environment override is set (SQS: the queue URL's origin). */
  defaultEndpoint?: string;
  /** Per attempt, from sending to the last byte of the answer. */
  timeoutMs?: number;
  /** AWS_JSON_RETRY unless given. */
  retry?: RetryPolicy;
  clock?: () => Date;
}

/**
 * As the SDK's standard retry mode: 3 attempts in all, full-jitter backoff from 200 ms (then
 * 400 ms) up to 20 s, on throttling, 5xx and network failures.
 */
export const AWS_JSON_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 20_000,
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The endpoint for a service: `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the default, or the regional one. */
export function resolveEndpoint(
  service: string,
  region: string,
  env: NodeJS.ProcessEnv,
  defaultEndpoint?: string,
): string {
  const override = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL;
  if (override) return override;
  if (defaultEndpoint !== undefined) return defaultEndpoint;
  return `https://${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv): Credentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set');
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

/**
 * Signature Version 4 headers for a POST of `body` to `url`, signed by `@smithy/signature-v4` as
 * the SDK's JSON clients sign (no `x-amz-content-sha256`). Returns every header to send,
 * `host`, `x-amz-date` and `authorization` included.
 */
export async function signRequest(request: {
  url: URL;
  headers: Record<string, string>;
  body: string;
  service: string;
  region: string;
  credentials: Credentials;
  now: Date;
}): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: request.service,
    region: request.region,
    credentials: request.credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  const { url } = request;
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname || '/',
      query: Object.fromEntries(url.searchParams),
      headers: {
        ...Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
        host: url.host,
      },
      body: request.body,
    },
    { signingDate: request.now },
  );
  return signed.headers;
}

function errorOf(answer: HttpAnswer, attempts: number): AwsServiceError {
  let type = `Http${answer.status}`;
  let message = `HTTP ${answer.status}`;
  try {
    const parsed = JSON.parse(answer.body) as { __type?: unknown; message?: unknown; Message?: unknown };
    if (typeof parsed.__type === 'string') type = parsed.__type.slice(parsed.__type.lastIndexOf('#') + 1);
    const text = parsed.message ?? parsed.Message;
    if (typeof text === 'string') message = text;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return new AwsServiceError(type, message, answer.status, attempts);
}

/** A service error as the retry policy reads it: a throttling type counts as a 429, whatever its status. */
function answered(error: unknown): FailedAttempt | undefined {
  if (!(error instanceof AwsServiceError)) return undefined;
  const status = error.$metadata.httpStatusCode;
  return { status, throttled: error.transient && status < 500 };
}

export function createAwsJsonClient(options: AwsJsonClientOptions): AwsJsonClient {
  const env = options.env ?? process.env;
  const retry = options.retry ?? AWS_JSON_RETRY;
  const clock = options.clock ?? (() => new Date());
  return {
    call: async <Output>(target: string, input: unknown): Promise<Output> => {
      const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
      if (!region) throw new Error('no AWS region: AWS_REGION is not set');
      const url = new URL(resolveEndpoint(options.service, region, env, options.defaultEndpoint));
      if (url.pathname === '') url.pathname = '/';
      const body = JSON.stringify(input);
      // Every call is repeatable: reads, and SQS sends whose duplicates the detector's claim on
      // the alert instance absorbs.
      return withHttpRetries(retry, { idempotent: true, answered }, async (attempt) => {
        const headers = await signRequest({
          url,
          headers: { 'content-type': `application/x-amz-json-${options.jsonVersion}`, 'x-amz-target': target },
          body,
          service: options.service,
          region,
          credentials: credentialsFromEnv(env),
          now: clock(),
        });
        const answer = await sendHttp({ method: 'POST', url, headers, body, timeoutMs: options.timeoutMs ?? 10_000 });
        if (answer.status >= 200 && answer.status < 300) {
          return (answer.body === '' ? {} : JSON.parse(answer.body)) as Output;
        }
        throw errorOf(answer, attempt);
      });
    },
  };
}
