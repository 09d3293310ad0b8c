import { SLACK_MAX_BODY_BYTES, SLACK_ROUTE } from '../receiver/slack.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { KubemendError, PayloadTooLargeError } from '../errors.ts';
import { errorResponse, MAX_BODY_BYTES } from '../http/responses.ts';
import type { LocalRuntime } from './runtime.ts';

/**
 * What `kubemend serve` allows a client, so that no client holds it up: a connection that sends
 * nothing, or its headers or body slowly, is closed; past the connection cap new connections are
 * closed at once. Alertmanager sends one request per group and reuses its connections.
 */
export const SERVER_LIMITS = {
  /** All of a request's headers must arrive within this (ms); a connection that sends nothing too. */
  headersTimeoutMs: 10_000,
  /** The whole request, body included (ms): 5 MiB at 1 MiB/s fits. */
  requestTimeoutMs: 30_000,
  /** A kept-alive connection with no request in flight is closed after this (ms). */
  keepAliveTimeoutMs: 5_000,
  /** A connection with no traffic at all, in any state, is closed after this (ms). */
  idleTimeoutMs: 30_000,
  /** Connections open at once; more are closed on arrival. */
  maxConnections: 256,
  /** Bytes of all of a request's headers (Node's default). */
  maxHeaderBytes: 16 * 1024,
} as const;

export type ServerLimits = { [K in keyof typeof SERVER_LIMITS]: number };

/** What each limit bounds, for the README's table (`npm run readme`). */
export const SERVER_LIMIT_DOCS: Record<keyof typeof SERVER_LIMITS, string> = {
  headersTimeoutMs: 'ms for all of a request’s headers to arrive (also a connection that sends nothing)',
  requestTimeoutMs: 'ms for a whole request, body included',
  keepAliveTimeoutMs: 'ms a kept-alive connection may wait for its next request',
  idleTimeoutMs: 'ms a connection may go without any traffic',
  maxConnections: 'connections open at once (more are closed on arrival)',
  maxHeaderBytes: 'bytes of a request’s headers (`431` above)',
};

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a LocalRuntime over HTTP on a loopback address. */
export async function startServer(
  runtime: LocalRuntime,
  options: { host: string; port: number; limits?: Partial<ServerLimits> },
): Promise<RunningServer> {
  const limits = { ...SERVER_LIMITS, ...options.limits };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // How often the header and request timeouts are checked (Node's default: every 30 s).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (req, res) => {
      void serveOne(runtime, req, res);
    },
  );
  server.maxConnections = limits.maxConnections;
  // No 'timeout' listener: Node destroys a socket idle for this long.
  server.setTimeout(limits.idleTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new KubemendError(
          'listen_failed',
          `cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`,
        ),
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/alerts`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * One request: its route, method and credential judged from the headers first (a refusal is sent
 * without reading the body, and the connection closed), then the body read within its limit.
 */
async function serveOne(runtime: LocalRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let response;
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const method = req.method ?? 'GET';
  try {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const early = runtime.preflight({ method, path, headers });
    if (early !== undefined) {
      res.writeHead(early.statusCode, { ...early.headers, connection: 'close' });
      res.end(early.body, () => req.destroy());
      return;
    }
    // Only the webhook and Slack's clicks have a body worth reading; any other is discarded unread.
    const body =
      method !== 'POST'
        ? discard(req)
        : path === '/alerts'
          ? await readBody(req, MAX_BODY_BYTES)
          : path === SLACK_ROUTE
            ? await readBody(req, SLACK_MAX_BODY_BYTES)
            : discard(req);
    response = await runtime.handle({ method, path, headers, body });
  } catch (error) {
    response = errorResponse(error);
  }
  res.writeHead(response.statusCode, response.headers);
  res.end(response.body);
}

function discard(req: IncomingMessage): string {
  req.resume();
  return '';
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new PayloadTooLargeError(limit));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
