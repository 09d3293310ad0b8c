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
import { historyOf, notificationFor, serveKubemend, type ServedKubemend } from '../testenv/serve.ts';

/**
 * `kubemend serve` killed with SIGKILL while a fix it applied is being verified, then started
 * again on the same data directory: the new server takes the work over at once (the record's
 * lease and the message's visibility would otherwise hold it for 5 minutes), goes on verifying
 * without writing again, and ends the record once. A ResourceQuota holds the rollout back until
 * the second server has taken over.
 */
const TOKEN = 'crash-recovery-e2e-credential';
const workDir = mkdtempSync(join(tmpdir(), 'kubemend-crash-e2e-'));
const dataDir = join(workDir, 'data');
const config = join(workDir, 'agent_config.yaml');
const servers: ServedKubemend[] = [];
let namespace: string;

const serve = async () => {
  const server = await serveKubemend(['--data-dir', dataDir, '--config', config, '--context', 'kubemend'], {
    HOME: workDir,
    KUBECONFIG: testKubeconfig(),
    KUBEMEND_WEBHOOK_TOKEN: TOKEN,
    KUBEMEND_LOG_LEVEL: 'info',
  });
  servers.push(server);
  return server;
};

beforeAll(async () => {
  await applyShippedRbac();
  namespace = await createNamespace('crash-e2e');
  writeFileSync(
    config,
    stringify({
      defaults: { verify: { timeoutSeconds: 240, intervalSeconds: 1 } },
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
}, 60_000);

afterAll(async () => {
  for (const server of servers) await server.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const history = () => historyOf(dataDir, workDir);

describe('a server killed while it verifies a fix', () => {
  it('is taken over by the next server at once, and the fix is made and recorded once', async () => {
    const { pods } = await createCrashLoopingDeployment(namespace, 'checkout');
    await recordBackOffEvent(pods[0]!);
    // No room for another pod: the restart's rollout cannot start its first new pod.
    await admin().core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'hold' }, spec: { hard: { pods: '2' } } },
    });
    const alert = crashLoopAlertFor(pods[0]!);
    const first = await serve();
    const posted = await fetch(first.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: notificationFor(alert, namespace),
    });
    expect(posted.status).toBe(202);
    const [verifying] = await until('the fix to be verifying', history, (r) => r[0]?.stage === 'verifying', 60_000);

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const restarted = Date.now();
    const second = await serve();
    await until(
      'the next server to take the record over',
      history,
      (r) => (r[0]?.attempts ?? 0) > verifying!.attempts,
      30_000,
    );
    const tookOverMs = Date.now() - restarted;
    console.log(`taken over ${tookOverMs} ms after the restart (the lease alone would hold it 300,000 ms)`);
    expect(second.logs()).toMatch(/"records":1,"messages":1,.*taking over the work a stopped server left in flight/);

    await admin().core.deleteNamespacedResourceQuota({ namespace, name: 'hold' });
    const [done] = await until('the record to end', history, (r) => r[0]?.stage === 'done', 120_000);

    expect(done).toMatchObject({
      id: verifying!.id,
      result: 'applied',
      plan: { action: 'rollout-restart' },
      verification: { status: 'verified' },
    });
    expect(await history()).toHaveLength(1);
    // One write: the first ReplicaSet and the restart's, not a second restart.
    const replicaSets = (await admin().apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=checkout' }))
      .items;
    expect(replicaSets).toHaveLength(2);
  }, 240_000);
});
