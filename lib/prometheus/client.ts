import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

import { Sha256 } from '../aws/sha256.ts';
import { PrometheusQueryError, PrometheusUnreachableError, ValidationError } from '../errors.ts';
import type { MetricsHistory, Series } from '../models/history.ts';

/** How kubemend authenticates to a cluster's Prometheus. */
export type PrometheusAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: () => Promise<string> }
  | { type: 'basic'; username: string; password: () => Promise<string> }
  /** Amazon Managed Service for Prometheus: SigV4 for service `aps` in the workspace's region. */
  | { type: 'sigv4'; region: string; credentials: AwsCredentialIdentityProvider };

export interface PrometheusOptions {
  /** The server or workspace URL, e.g. `http://prometheus.monitoring:9090` or `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`. */
  url: string;
  auth: PrometheusAuth;
  timeoutMs: number;
  /** A query answering more series than this fails instead of filling memory. */
  maxSeries: number;
  /** A range query asking for more points per series than this is refused before it is sent. */
  maxPoints: number;
}

/** A Prometheus HTTP API client: the models' history port (lib/models/history.ts). */
export type PrometheusClient = MetricsHistory;

/** A client for the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`), POSTing form bodies. */
export function createPrometheusClient(options: PrometheusOptions): PrometheusClient {
  const base = options.url.replace(/\/+$/, '');
  const call = async (path: string, params: Record<string, string>): Promise<Series[]> => {
    const body = new URLSearchParams(params).toString();
    const url = new URL(`${base}${path}`);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    await authenticate(options.auth, url, headers, body);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (error) {
      throw new PrometheusUnreachableError(`cannot reach Prometheus at ${base}: ${describe(error)}`, { cause: error });
    }
    const text = await response.text();
    let answer: {
      status?: string;
      error?: string;
      errorType?: string;
      data?: { resultType?: string; result?: unknown[] };
    };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch (error) {
      throw new PrometheusUnreachableError(
        `Prometheus at ${base} answered ${response.status} with no API response: ${text.slice(0, 200)}`,
        { cause: error },
      );
    }
    if (answer.status !== 'success') {
      throw new PrometheusQueryError(
        `Prometheus refused ${JSON.stringify(params.query)}: ${answer.errorType ?? response.status}: ${answer.error ?? text.slice(0, 200)}`,
      );
    }
    const result = answer.data?.result ?? [];
    if (result.length > options.maxSeries) {
      throw new PrometheusQueryError(
        `${JSON.stringify(params.query)} answered ${result.length} series, more than the ${options.maxSeries} allowed: narrow it with the alert's labels`,
      );
    }
    return result.map((entry) => toSeries(entry as RawSeries));
  };
  return {
    instant: (query, at) => call('/api/v1/query', { query, ...(at === undefined ? {} : { time: seconds(at) }) }),
    range: (query, start, end, stepSeconds) => {
      const points = Math.floor((end.getTime() - start.getTime()) / 1000 / stepSeconds) + 1;
      if (!(stepSeconds > 0) || points > options.maxPoints) {
        throw new ValidationError(
          `a range of ${points} points (step ${stepSeconds}s) is more than the ${options.maxPoints} allowed: widen the step`,
        );
      }
      return call('/api/v1/query_range', {
        query,
        start: seconds(start),
        end: seconds(end),
        step: String(stepSeconds),
      });
    },
  };
}

interface RawSeries {
  metric?: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

function toSeries(raw: RawSeries): Series {
  const pairs = raw.values ?? (raw.value === undefined ? [] : [raw.value]);
  return { labels: raw.metric ?? {}, samples: pairs.map(([time, value]) => [time, Number(value)] as const) };
}

function seconds(date: Date): string {
  return (date.getTime() / 1000).toFixed(3);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message;
}

async function authenticate(
  auth: PrometheusAuth,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<void> {
  if (auth.type === 'bearer') headers.authorization = `Bearer ${await auth.token()}`;
  if (auth.type === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${auth.username}:${await auth.password()}`).toString('base64')}`;
  }
  if (auth.type === 'sigv4') {
    const signer = new SignatureV4({
      service: 'aps',
      region: auth.region,
      credentials: auth.credentials,
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname,
      headers: { ...headers, host: url.host },
      body,
    });
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name.toLowerCase() !== 'host') headers[name] = value;
    }
  }
}
