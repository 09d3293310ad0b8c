import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

import { HttpTimeoutError } from '../errors.ts';
import { withRetries, type FailedAttempt, type RetryPolicy } from './retry.ts';

/** TLS material for an `https:` request; ignored for `http:`. */
export interface TlsOptions {
  /** PEM. */
  ca?: string | Buffer;
  /** A client certificate and its key, PEM. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The name the server certificate must carry, when it differs from the URL's host. */
  servername?: string;
  /** False accepts any server certificate (a kubeconfig's `insecure-skip-tls-verify`). */
  rejectUnauthorized?: boolean;
}

/** One HTTP(S) request, sent once by sendHttp. */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** Sent with its content-length; none for a request without a body. */
  body?: string;
  /** For this attempt, from sending to the last byte of the answer; then the socket is closed. */
  timeoutMs: number;
  tls?: TlsOptions;
  /** An agent to send through instead of the shared kept-alive one (a kubeconfig proxy-url). */
  agent?: HttpAgent;
}

/** What the server answered, whatever the status. */
export interface HttpAnswer {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Connections are kept alive across calls and shared by every client of the process. An https
 * agent pools sockets per TLS material (CA, client certificate, server name, verification), so
 * clusters with different credentials never share a connection.
 */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * Sends one request over node:http(s) and reads the whole answer. Rejects with the socket's error
 * when the server cannot be reached or drops the connection, and with HttpTimeoutError when the
 * answer is not complete within `timeoutMs` (the request is aborted, so its socket does not
 * linger). Any status is an answer: what a 4xx or 5xx means is for the caller.
 *
 * @example
 * const answer = await sendHttp({ method: 'GET', url: new URL('https://10.0.0.1/version'), timeoutMs: 5_000 });
 */
export function sendHttp(request: HttpRequest): Promise<HttpAnswer> {
  const secure = request.url.protocol === 'https:';
  const body = request.body;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Rejected first, so the caller sees the timeout and not the reset the abort causes.
      fail(new HttpTimeoutError(request.url.origin, request.timeoutMs));
      outgoing.destroy();
    }, request.timeoutMs);
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    };
    const fail = (error: Error) => settle(() => reject(error));
    const outgoing = (secure ? httpsRequest : httpRequest)(
      request.url,
      {
        method: request.method,
        headers: {
          ...request.headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
        agent: request.agent ?? (secure ? agents.https : agents.http),
        ...(secure ? request.tls : {}),
      },
      (response) => {
        // Decoded as it arrives (a multi-byte character split across chunks is joined whole), so
        // each chunk's buffer is garbage at once and a large list is not held twice.
        response.setEncoding('utf8');
        let text = '';
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', fail);
        response.on('end', () =>
          settle(() =>
            resolve({
              status: response.statusCode ?? 0,
              headers: flatten(response.headers),
              body: text,
            }),
          ),
        );
      },
    );
    outgoing.on('error', fail);
    outgoing.end(body);
  });
}

/**
 * Error codes of a request that did not get an answer: the server could not be reached, dropped
 * the connection or timed out, or its certificate was refused. Both clients (Kubernetes, AWS)
 * read network failures through this one list.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);

/**
 * The network error code of a failed request (`ECONNREFUSED`, `ETIMEDOUT` for an attempt that
 * ran out of time, …), looked for in the error and its causes; undefined for anything else.
 */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    if (current instanceof HttpTimeoutError) return 'ETIMEDOUT';
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = cause;
  }
  return undefined;
}

/**
 * Runs `attempt` (given its 1-based number) under `policy` (lib/http/retry.ts): a failure is
 * read by `answered` when it is the caller's error for an answer outside 2xx (its status,
 * Retry-After, throttling), else as a network failure (networkCode); what the policy says not to
 * repeat, or the last attempt's failure, is thrown as it is.
 *
 * @example
 * const value = await withHttpRetries(DEFAULT_RETRY, { idempotent: true, answered }, () => get(url));
 */
export function withHttpRetries<T>(
  policy: RetryPolicy,
  options: {
    /** Whether repeating the request is harmless (see retryable). */
    idempotent: boolean;
    /** The failed attempt an answer error stands for; undefined for errors that are not answers. */
    answered: (error: unknown) => FailedAttempt | undefined;
  },
  attempt: (made: number) => Promise<T>,
): Promise<T> {
  return withRetries(
    policy,
    options.idempotent,
    (error) => {
      const answered = options.answered(error);
      if (answered !== undefined) return answered;
      const network = networkCode(error);
      return network === undefined ? {} : { network };
    },
    attempt,
  );
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
