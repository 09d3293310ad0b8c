import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';

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
import { startAlertmanager } from '../testenv/alertmanager.ts';
import { stopProcesses, type Managed } from '../testenv/processes.ts';
import { historyOf, notificationFor, serveKubemend, type ServedKubemend } from '../testenv/serve.ts';

/**
 * The same Alertmanager group delivered 100 times at once, and a real Alertmanager repeating its
 * notification every two seconds through two webhook_configs (every notification arrives twice),
 * to `kubemend serve`: one record, one fix, on the real control plane. A second server on the
 * same data directory is refused. (Processes racing over one store are the remediator suite's:
 * tests/integration/fixes.test.ts.)
 */
const TOKEN = 'duplicates-e2e-credential';
const workDir = mkdtempSync(join(tmpdir(), 'kubemend-dup-e2e-'));
const dataDir = join(workDir, 'data');
const servers: ServedKubemend[] = [];
let namespace: string;

const serve = (config: string) =>
  serveKubemend(['--data-dir', dataDir, '--config', config, '--context', 'kubemend'], {
    HOME: workDir,
    KUBECONFIG: testKubeconfig(),
    KUBEMEND_WEBHOOK_TOKEN: TOKEN,
    KUBEMEND_LOG_LEVEL: 'warn',
  });

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
          fixes: { 'crash-loop': 'rollout-restart' },
          namespaces: { allow: [namespace] },
        },
      ],
    }),
  );
  servers.push(await serve(config));
  configFile = config;
}, 60_000);

let configFile: string;

let alertmanager: Managed | undefined;

afterAll(async () => {
  if (alertmanager !== undefined) await stopProcesses([alertmanager]);
  for (const server of servers) await server.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const history = () => historyOf(dataDir, workDir);

describe('a second server on the same data directory', () => {
  it('is refused with a message that names the first one', async () => {
    await expect(serve(configFile)).rejects.toThrow(
      /exited with 1: .*another kubemend serve \(pid \d+\) uses .*; stop it, or give this one its own --data-dir/s,
    );
  }, 60_000);
});

describe('one group delivered 100 times at once', () => {
  it('makes one record and one fix', async () => {
    const { pods } = await createCrashLoopingDeployment(namespace, 'checkout');
    await recordBackOffEvent(pods[0]!);
    const alert = crashLoopAlertFor(pods[0]!);
    const body = notificationFor(alert, namespace);

    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(servers[0]!.url, {
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

/** Alerts each instance accepted, from its own /metrics. */
async function received(server: ServedKubemend): Promise<number> {
  const text = await (await fetch(new URL('/metrics', server.url))).text();
  const line = text.split('\n').find((l) => l.startsWith('kubemend_alerts_received_total'));
  return Number(line?.split(' ').pop() ?? 0);
}

describe('Alertmanager repeating one notification, each twice', () => {
  it('makes one record and one fix however many times it repeats', async () => {
    const { pods } = await createCrashLoopingDeployment(namespace, 'cart');
    await recordBackOffEvent(pods[0]!);
    const alert = crashLoopAlertFor(pods[0]!);
    // Two webhook_configs to one URL: every notification arrives twice, as retries can.
    const started = await startAlertmanager({
      workDir,
      urls: [servers[0]!.url, servers[0]!.url],
      token: TOKEN,
      repeatInterval: '2s',
    });
    alertmanager = started.process;
    const before = await Promise.all(servers.map(received));
    const since = async () => (await Promise.all(servers.map(received))).map((count, i) => count - before[i]!);

    const posted = await fetch(`${started.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: alert.labels,
          annotations: { summary: 'Pod is crash looping.' },
          startsAt: alert.startsAt,
          generatorURL: 'http://prometheus.test/graph?g0.expr=KubePodCrashLooping',
        },
      ]),
    });
    expect(posted.status).toBe(200);
    // At least three notifications, each delivered twice.
    await until(
      'Alertmanager to repeat its notification',
      async () => (await since()).reduce((a, b) => a + b, 0),
      (deliveries) => deliveries >= 6,
      60_000,
    );
    const rows = await until(
      'the one outcome for cart',
      async () => (await history()).filter((o) => o.plan?.target.name === 'cart'),
      (r) => r.length > 0 && r.every((o) => o.stage === 'done'),
      90_000,
    );
    const perInstance = await since();

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ result: 'applied', plan: { action: 'rollout-restart' } });
    expect(perInstance.every((count) => count >= 6)).toBe(true);
    const replicaSets = (await admin().apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=cart' })).items;
    expect(replicaSets).toHaveLength(2);
  }, 180_000);
});
