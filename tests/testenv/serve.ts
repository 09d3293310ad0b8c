import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { Alert } from '../../lib/alert/schema.ts';
import type { Outcome } from '../../lib/domain/types.ts';

export const CLI = join(import.meta.dirname, '../../bin/kubemend.ts');
const run = promisify(execFile);

export interface ServedKubemend {
  child: ChildProcess;
  url: string;
  /** Everything it wrote to stdout and stderr so far. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts `kubemend serve` as an operator would (on a free loopback port) with `args` and `env`
 * over a bare PATH, and waits for the URL it prints for Alertmanager.
 */
export async function serveKubemend(args: string[], env: Record<string, string>): Promise<ServedKubemend> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /webhook_configs url at: (\S+)/.exec(logs);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`kubemend serve exited with ${code}: ${logs.slice(-2000)}`)));
  });
  return {
    child,
    url,
    logs: () => logs,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** `kubemend history --output json` on a data directory, newest first (up to 1000 records). */
export async function historyOf(dataDir: string, home: string): Promise<Outcome[]> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'history', '--output', 'json', '--limit', '1000', '--data-dir', dataDir],
    {
      env: { PATH: process.env.PATH, HOME: home },
    },
  );
  return JSON.parse(stdout) as Outcome[];
}

/** The webhook body Alertmanager sends for one firing alert grouped by namespace, as JSON. */
export function notificationFor(alert: Alert, namespace: string): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{namespace="${namespace}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'kubemend',
    groupLabels: { namespace },
    commonLabels: alert.labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test',
    alerts: [alert],
  });
}
