import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does to one request: answer it itself with an error status, forward it late,
 * drop the connection before forwarding (nothing happened), or forward it and drop the connection
 * instead of answering (it happened, and the client never hears so).
 */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body: unknown }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset-before' }
  | { kind: 'reset-after' };

export interface ProxiedRequest {
  method: string;
  path: string;
  /** Milliseconds since the proxy started. */
  at: number;
  /** The fault applied, if any; `upstream-down` when the upstream refused (a restart). */
  fault?: Fault['kind'] | 'upstream-down' | 'outage';
  status?: number;
}

export interface FaultProxy {
  /** Plain HTTP on loopback; point the client here instead of at the upstream. */
  url: string;
  readonly requests: ProxiedRequest[];
  /** Drops every connection for `ms`, as a server restarting does. */
  outage(ms: number): void;
  stop(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a real server (the kube-apiserver over TLS, the AWS emulator
 * over HTTP) that injects the failures `choose` picks for each request, and logs every request.
 * Credentials pass through untouched.
 */
export async function startFaultProxy(options: {
  upstream: string;
  /** PEM of the CA that signed an HTTPS upstream's certificate. */
  ca?: Buffer;
  choose: (request: { method: string; path: string }) => Fault | undefined;
}): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const started = Date.now();
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  let downUntil = 0;

  const forward = (
    incoming: IncomingMessage,
    body: Buffer,
    onAnswer: (status: number, headers: IncomingMessage['headers'], answer: Buffer) => void,
    onError: () => void,
  ) => {
    const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host, connection: 'keep-alive' },
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => onAnswer(response.statusCode ?? 502, response.headers, Buffer.concat(chunks)));
        response.on('error', onError);
      },
    );
    outgoing.on('error', onError);
    outgoing.end(body);
  };

  const handle = (incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer) => {
    const entry: ProxiedRequest = {
      method: incoming.method ?? '',
      path: incoming.url ?? '',
      at: Date.now() - started,
    };
    requests.push(entry);
    if (Date.now() < downUntil) {
      entry.fault = 'outage';
      incoming.socket.destroy();
      return;
    }
    const fault = options.choose({ method: entry.method, path: entry.path });
    if (fault?.kind === 'status') {
      entry.fault = 'status';
      entry.status = fault.status;
      outgoing.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      outgoing.end(JSON.stringify(fault.body));
      return;
    }
    if (fault?.kind === 'reset-before') {
      entry.fault = fault.kind;
      incoming.socket.destroy();
      return;
    }
    const pass = () =>
      forward(
        incoming,
        body,
        (status, headers, answer) => {
          entry.status = status;
          if (fault?.kind === 'reset-after') {
            entry.fault = fault.kind;
            incoming.socket.destroy();
            return;
          }
          const { connection: _connection, 'keep-alive': _keepAlive, 'transfer-encoding': _te, ...rest } = headers;
          outgoing.writeHead(status, { ...rest, 'content-length': String(answer.length) });
          outgoing.end(answer);
        },
        () => {
          entry.fault = 'upstream-down';
          incoming.socket.destroy();
        },
      );
    if (fault?.kind === 'delay') {
      entry.fault = fault.kind;
      setTimeout(pass, fault.ms);
    } else {
      pass();
    }
  };

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => handle(incoming, outgoing, Buffer.concat(chunks)));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    outage: (ms) => {
      downUntil = Date.now() + ms;
      for (const socket of sockets) socket.destroy();
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A seeded xorshift generator, so that the mix of faults is the same from run to run. */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}
