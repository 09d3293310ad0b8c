import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

import { HttpTimeoutError } from '../../../lib/errors.ts';
import { DEFAULT_RETRY, type FailedAttempt } from '../../../lib/http/retry.ts';
import { networkCode, sendHttp, withHttpRetries } from '../../../lib/http/transport.ts';
import { startLoopback, type Loopback } from '../../helpers/loopback.ts';

/** The transport against a loopback server: what goes on the wire, what comes back, what a timeout does. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let url: string;
let seen: Seen[];
let handle: (request: Seen, response: ServerResponse) => void;
/** Sockets the server saw closed, counted to show an aborted attempt does not leave one open. */
let closed: number;

let loopback: Loopback & { server: Server };

beforeAll(async () => {
  loopback = await startLoopback((request, body, response) => {
    const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
    seen.push(entry);
    handle(entry, response);
  });
  loopback.server.on('connection', (socket) => socket.on('close', () => (closed += 1)));
  url = loopback.url;
});

afterAll(() => loopback.close());

beforeEach(() => {
  seen = [];
  closed = 0;
  handle = (_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  };
});

describe('sending one request', () => {
  it('sends the method, headers and body with its length, and returns status, headers and body as text', async () => {
    handle = (_, response) => {
      response.setHeader('set-cookie', ['a=1', 'b=2']);
      response.writeHead(409, { 'content-type': 'application/json', 'retry-after': '3' });
      response.end('{"message":"conflict"}');
    };

    const answer = await sendHttp({
      method: 'PATCH',
      url: new URL('/apis/apps/v1/namespaces/payments/deployments/checkout?dryRun=All', url),
      headers: { 'content-type': 'application/merge-patch+json', authorization: 'Bearer t' },
      body: '{"spec":{"replicas":3}}',
      timeoutMs: 2_000,
    });

    expect(seen[0]).toMatchObject({
      method: 'PATCH',
      url: '/apis/apps/v1/namespaces/payments/deployments/checkout?dryRun=All',
      body: '{"spec":{"replicas":3}}',
      headers: { 'content-length': '23', authorization: 'Bearer t' },
    });
    expect(answer).toEqual({
      status: 409,
      headers: expect.objectContaining({ 'retry-after': '3', 'set-cookie': 'a=1, b=2' }),
      body: '{"message":"conflict"}',
    });
  });

  it('sends no body and no content-length for a request without one', async () => {
    await sendHttp({ method: 'GET', url: new URL('/api/v1/nodes', url), timeoutMs: 2_000 });

    expect(seen[0]?.headers['content-length']).toBeUndefined();
    expect(seen[0]?.body).toBe('');
  });

  it('reads a character split across chunks whole', async () => {
    const bytes = Buffer.from('{"message":"Größe über 10 €"}', 'utf8');
    const euro = bytes.indexOf(Buffer.from('€', 'utf8'));
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      // The euro sign's three bytes in two chunks, written apart.
      response.write(bytes.subarray(0, euro + 1));
      setTimeout(() => response.end(bytes.subarray(euro + 1)), 20);
    };

    const answer = await sendHttp({ method: 'GET', url: new URL('/split', url), timeoutMs: 2_000 });

    expect(answer.body).toBe('{"message":"Größe über 10 €"}');
  });

  it('keeps the connection alive for the next request', async () => {
    const first = await sendHttp({ method: 'GET', url: new URL('/a', url), timeoutMs: 2_000 });
    const second = await sendHttp({ method: 'GET', url: new URL('/b', url), timeoutMs: 2_000 });

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(seen.map((request) => request.headers.connection)).toEqual(['keep-alive', 'keep-alive']);
    expect(closed).toBe(0);
  });

  it('gives up on an answer that does not come in time and closes the socket', async () => {
    handle = () => undefined;

    const failure = sendHttp({ method: 'GET', url: new URL('/slow', url), timeoutMs: 100 });

    await expect(failure).rejects.toBeInstanceOf(HttpTimeoutError);
    await expect(failure).rejects.toThrow(`${url} did not answer within 100 ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(1);
  });

  it('rejects with the socket error when nothing listens', async () => {
    const vacant = createServer();
    await new Promise<void>((resolve) => vacant.listen(0, '127.0.0.1', resolve));
    const port = (vacant.address() as AddressInfo).port;
    await new Promise((resolve) => vacant.close(resolve));

    const failure = sendHttp({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/`), timeoutMs: 2_000 });

    await expect(failure).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('network failures', () => {
  it('names the code of a failure to reach the server, in the error or its causes, and a timeout as ETIMEDOUT', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

    expect(networkCode(refused)).toBe('ECONNREFUSED');
    expect(networkCode(new Error('wrapped', { cause: refused }))).toBe('ECONNREFUSED');
    expect(networkCode(new HttpTimeoutError('https://10.0.0.1', 100))).toBe('ETIMEDOUT');
    expect(networkCode(Object.assign(new Error('bad cert'), { code: 'CERT_HAS_EXPIRED' }))).toBe('CERT_HAS_EXPIRED');
    expect(networkCode(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toBeUndefined();
    expect(networkCode(new Error('HTTP 500'))).toBeUndefined();
  });
});

describe('retrying through the transport', () => {
  const waits: number[] = [];
  const policy = { ...DEFAULT_RETRY, random: () => 0.5, sleep: async (ms: number) => void waits.push(ms) };
  class AnswerError extends Error {
    readonly failed: FailedAttempt;
    constructor(failed: FailedAttempt) {
      super(`HTTP ${failed.status ?? 0}`);
      this.failed = failed;
    }
  }
  const answered = (error: unknown) => (error instanceof AnswerError ? error.failed : undefined);

  beforeEach(() => {
    waits.splice(0);
  });

  it('reads answers through the caller and everything else as a network failure', async () => {
    const failures: Error[] = [
      new AnswerError({ status: 503 }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ];

    const result = await withHttpRetries(policy, { idempotent: true, answered }, async (made) => {
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return made;
    });

    expect(result).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it('does not repeat a write after a reset, nor anything that is neither an answer nor a network failure', async () => {
    let made = 0;
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

    await expect(
      withHttpRetries(policy, { idempotent: false, answered }, async () => {
        made += 1;
        throw reset;
      }),
    ).rejects.toBe(reset);
    await expect(
      withHttpRetries(policy, { idempotent: true, answered }, async () => {
        made += 1;
        throw new Error('bad JSON');
      }),
    ).rejects.toThrow('bad JSON');
    expect(made).toBe(2);
  });

  it('repeats a write the server throttled without processing it', async () => {
    let made = 0;

    await withHttpRetries(policy, { idempotent: false, answered }, async () => {
      made += 1;
      if (made === 1) throw new AnswerError({ status: 400, throttled: true });
    });

    expect(made).toBe(2);
  });
});
