import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import { KubemendError, PayloadTooLargeError } from '../errors.ts';
import { errorResponse, MAX_BODY_BYTES } from '../http/responses.ts';
import type { LocalRuntime } from './runtime.ts';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a LocalRuntime over HTTP on a loopback address. */
export async function startServer(
  runtime: LocalRuntime,
  options: { host: string; port: number },
): Promise<RunningServer> {
  const server = createServer((req, res) => {
    void (async () => {
      let response;
      try {
        const body = await readBody(req, MAX_BODY_BYTES);
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(req.headers))
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        response = await runtime.handle({ method: req.method ?? 'GET', path, headers, body });
      } catch (error) {
        response = errorResponse(error);
      }
      res.writeHead(response.statusCode, response.headers);
      res.end(response.body);
    })();
  });
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
