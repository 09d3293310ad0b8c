import { SignatureV4 } from '@smithy/signature-v4';

import type { AwsEnv } from '../env.ts';
import { AwsServiceError } from '../errors.ts';
import type { FailedAttempt, RetryPolicy } from '../http/retry.ts';
import { sendHttp, withHttpRetries, type HttpAnswer } from '../http/transport.ts';
import { Sha256 } from './sha256.ts';

/**
 * A small client for AWS services that speak the AWS JSON protocol (SQS, SSM, …): one signed
 * POST per call, for functions whose cold start cannot afford an SDK client. Same conventions as
 * the SDK where they matter: the region, credentials and endpoint overrides the Lambda
 * environment gives (AwsEnv, parsed once in lib/env.ts), SigV4 by `@smithy/signature-v4`, up to
 * 3 attempts with jittered exponential backoff for throttling, 5xx and network errors, kept-alive
 * connections (lib/http/transport.ts).
 *
 * @example
 * const ssm = createAwsJsonClient({ service: 'ssm', jsonVersion: '1.1', aws: parseAwsEnv(env) });
 * await ssm.call('AmazonSSM.GetParameter', { Name: '/kubemend/prod/kill-switch' });
 */
export interface AwsJsonClient {
  /** `target` is the X-Amz-Target, e.g. `AmazonSQS.SendMessageBatch`. */
  call<Output>(target: string, input: unknown): Promise<Output>;
}

export type Credentials = AwsEnv['credentials'];

export interface AwsJsonClientOptions {
  /** The signing name and endpoint prefix, e.g. `sqs`, `ssm`. */
  service: string;
  /** `1.0` (SQS, DynamoDB) or `1.1` (SSM). */
  jsonVersion: '1.0' | '1.1';
  /** Region, credentials and endpoint overrides (lib/env.ts parseAwsEnv). */
  aws: AwsEnv;
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
  aws: Pick<AwsEnv, 'region' | 'endpoints'>,
  defaultEndpoint?: string,
): string {
  const override = aws.endpoints.services[service.toLowerCase()] ?? aws.endpoints.all;
  if (override !== undefined) return override;
  if (defaultEndpoint !== undefined) return defaultEndpoint;
  const { region } = aws;
  return `https://${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** Signs JSON-protocol POSTs for one service and region, as the SDK's JSON clients sign them. */
export type RequestSigner = (request: {
  url: URL;
  headers: Record<string, string>;
  body: string;
  now: Date;
}) => Promise<Record<string, string>>;

/**
 * Signature Version 4 by `@smithy/signature-v4` (its signing keys cached across calls), without
 * `x-amz-content-sha256` as the SDK's JSON clients sign. The signer returns every header to
 * send, `host`, `x-amz-date` and `authorization` included.
 */
export function createRequestSigner(options: {
  service: string;
  region: string;
  credentials: Credentials;
}): RequestSigner {
  const signer = new SignatureV4({ ...options, sha256: Sha256, applyChecksum: false });
  return async ({ url, headers, body, now }) => {
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        path: url.pathname || '/',
        query: Object.fromEntries(url.searchParams),
        headers: {
          ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
          host: url.host,
        },
        body,
      },
      { signingDate: now },
    );
    return signed.headers;
  };
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
  const retry = options.retry ?? AWS_JSON_RETRY;
  const clock = options.clock ?? (() => new Date());
  const url = new URL(resolveEndpoint(options.service, options.aws, options.defaultEndpoint));
  if (url.pathname === '') url.pathname = '/';
  const sign = createRequestSigner({
    service: options.service,
    region: options.aws.region,
    credentials: options.aws.credentials,
  });
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  return {
    call: async <Output>(target: string, input: unknown): Promise<Output> => {
      const body = JSON.stringify(input);
      // Every call is repeatable: reads, and SQS sends whose duplicates the detector's claim on
      // the alert instance absorbs.
      return withHttpRetries(retry, { idempotent: true, answered }, async (attempt) => {
        // Signed per attempt: the signature carries the time.
        const headers = await sign({
          url,
          headers: { 'content-type': contentType, 'x-amz-target': target },
          body,
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
