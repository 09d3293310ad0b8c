import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/testenv/moto.sh installs moto_server (keep the version in step with it). */
export function motoServerPath(): string {
  const explicit = process.env.KUBEMEND_MOTO_SERVER;
  if (explicit !== undefined) return explicit;
  const cache = process.env.KUBEMEND_CACHE ?? join(homedir(), '.cache', 'kubemend');
  return join(cache, 'testenv', 'moto-5.2.5', 'bin', 'moto_server');
}

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts a private moto server on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const binary = motoServerPath();
  if (!existsSync(binary)) {
    throw new Error(`moto_server not found at ${binary}: run scripts/testenv/moto.sh (scripts/test.sh does)`);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
