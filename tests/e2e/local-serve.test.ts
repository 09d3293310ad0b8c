import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { readFixture } from '../helpers/fixtures.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/kubemend.ts');
const TOKEN = 'e2e-webhook-credential-42';

/** Starts `kubemend serve` as a user would and waits for the URL it prints. */
async function serve(dataDir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
    // No KUBECONFIG and an empty HOME: a machine with no cluster configured.
    env: { PATH: process.env.PATH, HOME: dataDir, KUBEMEND_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /webhook_configs url at: (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { child, url };
}

async function history(
  dataDir: string,
): Promise<{ alert: { fingerprint: string }; result?: string; stage: string; reason?: string }[]> {
  const { stdout } = await run(process.execPath, [CLI, 'history', '--output', 'json', '--data-dir', dataDir], {
    env: { PATH: process.env.PATH, HOME: dataDir },
  });
  return JSON.parse(stdout) as { alert: { fingerprint: string }; result?: string; stage: string; reason?: string }[];
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('kubemend serve with the embedded store and no cluster', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-e2e-'));
  let server: { child: ChildProcess; url: string };

  beforeAll(async () => {
    server = await serve(dataDir, { KUBEMEND_WEBHOOK_TOKEN: TOKEN });
  }, 30_000);

  afterAll(async () => {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves on loopback and prints the URL to give Alertmanager', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/alerts$/);
  });

  it('accepts crashlooping-single.json and records the outcome as cluster unreachable', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: readFixture('alerts/crashlooping-single.json'),
    });

    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 1 });
    const outcomes = await until(
      () => history(dataDir),
      (rows) => rows.some((row) => row.stage === 'done'),
    );
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({
      alert: { fingerprint: 'db557f6812d5890b' },
      stage: 'done',
      result: 'cluster-unreachable',
    });
    expect(outcomes[0]!.reason).toContain('no kubeconfig found');
  }, 30_000);

  it('answers a malformed body with a 400 naming the field and records nothing', async () => {
    const before = (await history(dataDir)).length;

    const response = await fetch(server.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: readFixture('alerts/invalid/alerts-not-array.json'),
    });

    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string };
    expect(body.message).toMatch(/alerts: .*expected array/);
    expect(await history(dataDir)).toHaveLength(before);
  }, 30_000);

  it('answers 401 without the credential and records nothing', async () => {
    const before = (await history(dataDir)).length;

    const response = await fetch(server.url, { method: 'POST', body: readFixture('alerts/crashlooping-single.json') });

    expect(response.status).toBe(401);
    expect(await history(dataDir)).toHaveLength(before);
  }, 30_000);

  it('filters history by result and time', async () => {
    const filtered = async (...args: string[]) => {
      const { stdout } = await run(
        process.execPath,
        [CLI, 'history', '--output', 'json', '--data-dir', dataDir, ...args],
        {
          env: { PATH: process.env.PATH, HOME: dataDir },
        },
      );
      return JSON.parse(stdout) as unknown[];
    };

    expect(await filtered('--result', 'cluster-unreachable', '--since', '1h')).toHaveLength(1);
    expect(await filtered('--result', 'applied')).toHaveLength(0);
    expect(await filtered('--since', '2000-01-01T00:00:00Z', '--namespace', 'payments')).toHaveLength(1);
  }, 30_000);

  it('prints history as a table', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'history', '--data-dir', dataDir], {
      env: { PATH: process.env.PATH },
    });

    expect(stdout.split('\n')[0]).toMatch(/^ID\s+AGE\s+ALERT\s+TARGET\s+RESULT\s+ACTION\s+REASON$/);
    expect(stdout).toContain('KubePodCrashLooping');
    expect(stdout).toContain('cluster-unreachable');
  }, 30_000);
});

describe('kubemend diagnose', () => {
  it('says why it cannot diagnose without a cluster, and exits non-zero', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-diagnose-'));
    const file = join(import.meta.dirname, '../fixtures/alerts/grouped-namespace.json');

    const result = await run(process.execPath, [CLI, 'diagnose', file], {
      env: { PATH: process.env.PATH, HOME: dataDir, KUBECONFIG: join(dataDir, 'missing') },
    }).catch((error: unknown) => error as { code: number; stdout: string });

    expect((result as { code?: number }).code).toBe(1);
    expect(result.stdout).toContain('KubePodCrashLooping: cannot diagnose: cluster_unreachable');
    expect(result.stdout).toContain('KubeContainerWaiting: cannot diagnose: cluster_unreachable');
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('reads the alert from stdin when the file is -', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-diagnose-'));
    const body = readFileSync(join(import.meta.dirname, '../fixtures/alerts/grouped-namespace.json'), 'utf8');

    const result = spawnSync(process.execPath, [CLI, 'diagnose', '-', '-o', 'json'], {
      input: body,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dataDir, KUBECONFIG: join(dataDir, 'missing') },
    });

    expect(result.status).toBe(1);
    expect((JSON.parse(result.stdout) as { alertname: string }[]).map((r) => r.alertname)).toEqual(
      expect.arrayContaining(['KubePodCrashLooping', 'KubeContainerWaiting']),
    );
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);
});
