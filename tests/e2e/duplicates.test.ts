import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';

import type { Outcome } from '../../lib/domain/types.ts';
import {
  admin,
  applyShippedRbac,
  crashLoopAlertFor,
  createCrashLoopingDeployment,
  createNamespace,
  recordBackOffEvent,
  testKubeconfig,
  until,
} from '../testenv/cluster.ts';

/**
 * The same Alertmanager group delivered 100 times at once, split over two `kubemend serve`
 * processes on one embedded store: one record, one fix, on the real control plane.
 */
const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/kubemend.ts');
const TOKEN = 'duplicates-e2e-credential';
const workDir = mkdtempSync(join(tmpdir(), 'kubemend-dup-e2e-'));
const dataDir = join(workDir, 'data');
const servers: { child: ChildProcess; url: string }[] = [];
let namespace: string;

async function serve(config: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--config', config, '--context', 'kubemend'],
    {
      env: {
        PATH: process.env.PATH,
        HOME: workDir,
        KUBECONFIG: testKubeconfig(),
        KUBEMEND_WEBHOOK_TOKEN: TOKEN,
        KUBEMEND_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /webhook_configs url at: (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`kubemend serve exited with ${code}`)));
  });
  return { child, url };
}

beforeAll(async () => {
  await applyShippedRbac();
  namespace = await createNamespace('dup-e2e');
  const config = join(workDir, 'agent_config.yaml');
  writeFileSync(
    config,
    stringify({
      defaults: { verify: { timeoutSeconds: 60, intervalSeconds: 1 } },
      rules: [
        {
          alertname: 'KubePodCrashLooping',
          detector: 'crash-loop',
          mode: 'enforce',
          actions: ['rollout-restart'],
          namespaces: { allow: [namespace] },
        },
      ],
    }),
  );
  // One after the other, so the second finds the store the first created.
  servers.push(await serve(config));
  servers.push(await serve(config));
}, 60_000);

afterAll(async () => {
  for (const server of servers) {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }
  rmSync(workDir, { recursive: true, force: true });
});

async function history(): Promise<Outcome[]> {
  const { stdout } = await run(process.execPath, [CLI, 'history', '--output', 'json', '--data-dir', dataDir], {
    env: { PATH: process.env.PATH, HOME: workDir },
  });
  return JSON.parse(stdout) as Outcome[];
}

describe('one group delivered 100 times to two instances', () => {
  it('makes one record and one fix', async () => {
    const { pods } = await createCrashLoopingDeployment(namespace, 'checkout');
    await recordBackOffEvent(pods[0]!);
    const alert = crashLoopAlertFor(pods[0]!);
    const body = JSON.stringify({
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

    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(servers[i % 2]!.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body,
        }).then((response) => response.status),
      ),
    );
    expect(answers.every((status) => status === 202)).toBe(true);

    const rows = await until(
      'the one outcome',
      history,
      (r) => r.length > 0 && r.every((o) => o.stage === 'done'),
      90_000,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ result: 'applied', plan: { action: 'rollout-restart' } });
    const replicaSets = (await admin().apps.listNamespacedReplicaSet({ namespace })).items;
    expect(replicaSets).toHaveLength(2);
  }, 180_000);
});
