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
import { historyOf, serveKubemend, type ServedKubemend } from '../testenv/serve.ts';

/**
 * The same Alertmanager group delivered 100 times at once, split over two `kubemend serve`
 * processes on one embedded store: one record, one fix, on the real control plane.
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
  for (const server of servers) await server.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const history = () => historyOf(dataDir, workDir);

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
