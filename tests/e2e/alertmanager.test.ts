import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';

import { RESTARTED_AT_ANNOTATION } from '../../lib/remediate/rollout-restart.ts';
import {
  admin,
  applyShippedRbac,
  createCrashLoopingDeployment,
  createNamespace,
  recordBackOffEvent,
  testKubeconfig,
  until,
} from '../testenv/cluster.ts';
import { freePort, startProcess, stopProcesses, waitFor, type Managed } from '../testenv/processes.ts';
import { startAlertmanager } from '../testenv/alertmanager.ts';
import { historyOf, serveKubemend, type ServedKubemend } from '../testenv/serve.ts';

/**
 * The whole path as an operator runs it: alerts posted to a real Alertmanager, which groups them
 * and delivers its webhook (Bearer credential, send_resolved) to `kubemend serve`, which
 * diagnoses and fixes on the real control plane and records the outcome.
 */
const TOKEN = 'alertmanager-e2e-credential';
const METRICS_TOKEN = 'alertmanager-e2e-metrics-credential';
const workDir = mkdtempSync(join(tmpdir(), 'kubemend-am-e2e-'));
const dataDir = join(workDir, 'data');
let kubemend: ServedKubemend;
let alertmanager: Managed;
let alertmanagerUrl: string;
let prometheus: Managed;
let prometheusUrl: string;
let namespace: string;

beforeAll(async () => {
  await applyShippedRbac();
  namespace = await createNamespace('am-e2e');

  const config = join(workDir, 'agent_config.yaml');
  writeFileSync(
    config,
    stringify({
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
  kubemend = await serveKubemend(['--data-dir', dataDir, '--config', config, '--context', 'kubemend'], {
    HOME: workDir,
    KUBECONFIG: testKubeconfig(),
    KUBEMEND_WEBHOOK_TOKEN: TOKEN,
    // /metrics asks for a credential, which the shipped scrape job sends.
    KUBEMEND_METRICS_TOKEN: METRICS_TOKEN,
    // Everything it logs, to check that no credential reaches the logs.
    KUBEMEND_LOG_LEVEL: 'debug',
  });

  ({ url: alertmanagerUrl, process: alertmanager } = await startAlertmanager({
    workDir,
    urls: [kubemend.url],
    token: TOKEN,
    repeatInterval: '1h',
  }));

  // A real Prometheus scraping kubemend's /metrics every second with the shipped scrape job (its
  // credential from a file), and kubemend's own rules.
  const promPort = await freePort();
  prometheusUrl = `http://127.0.0.1:${promPort}`;
  const promConfig = join(workDir, 'prometheus.yml');
  const credentials = join(workDir, 'kubemend-metrics-token');
  writeFileSync(credentials, METRICS_TOKEN);
  const shipped = parse(
    readFileSync(join(import.meta.dirname, '../../infra/prometheus/scrape-config.yml'), 'utf8'),
  ) as {
    scrape_configs: Record<string, unknown>[];
  };
  const job = {
    ...shipped.scrape_configs[0]!,
    scrape_interval: '1s',
    static_configs: [{ targets: [new URL(kubemend.url).host] }],
    authorization: { type: 'Bearer', credentials_file: credentials },
  };
  writeFileSync(
    promConfig,
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(import.meta.dirname, '../../infra/prometheus/kubemend-rules.yml')],
      scrape_configs: [job],
    }),
  );
  prometheus = startProcess(
    'prometheus',
    join(process.env.KUBEMEND_TEST_BIN_DIR ?? '/usr/bin', 'prometheus'),
    [
      `--config.file=${promConfig}`,
      `--storage.tsdb.path=${join(workDir, 'prometheus')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    workDir,
  );
  await waitFor(prometheus, async () => (await fetch(`${prometheusUrl}/-/ready`)).ok);
}, 120_000);

async function promQuery(query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result;
}

afterAll(async () => {
  await stopProcesses([alertmanager, prometheus]);
  await kubemend.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const history = () => historyOf(dataDir, workDir);

async function postAlert(labels: Record<string, string>, startsAt: string, endsAt?: string): Promise<void> {
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels,
        annotations: { summary: 'Pod is crash looping.' },
        startsAt,
        ...(endsAt === undefined ? {} : { endsAt }),
        generatorURL: 'http://prometheus.test/graph?g0.expr=KubePodCrashLooping',
      },
    ]),
  });
  expect(response.status).toBe(200);
}

describe('Alertmanager → kubemend → Kubernetes', () => {
  it('fixes a crash loop Alertmanager reports and records the resolution', async () => {
    const { pods } = await createCrashLoopingDeployment(namespace, 'checkout');
    const pod = pods[0]!;
    await recordBackOffEvent(pod);
    const labels = {
      alertname: 'KubePodCrashLooping',
      severity: 'warning',
      job: 'kube-state-metrics',
      cluster: 'test',
      namespace,
      pod: pod.metadata!.name!,
      container: 'app',
      reason: 'CrashLoopBackOff',
    };
    const startsAt = new Date().toISOString();

    await postAlert(labels, startsAt);

    const [applied] = await until(
      'the outcome of the delivered alert',
      history,
      (rows) => rows.some((row) => row.stage === 'done'),
      60_000,
    );
    expect(applied).toMatchObject({
      result: 'applied',
      plan: { action: 'rollout-restart', target: { namespace, name: 'checkout' } },
      alert: { status: 'firing', endsAt: '0001-01-01T00:00:00Z' },
    });
    const deployment = await admin().apps.readNamespacedDeployment({ namespace, name: 'checkout' });
    expect(deployment.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION]).toBe(
      applied!.plan!.params.restartedAt,
    );

    await postAlert(labels, startsAt, new Date().toISOString());

    const [resolved] = await until(
      'the resolved notification',
      history,
      (rows) => rows[0]?.resolvedAt !== undefined,
      60_000,
    );
    expect(resolved).toMatchObject({ id: applied!.id, result: 'applied', resolvedAt: expect.any(String) });
    expect(await history()).toHaveLength(1);

    // Prometheus scraped kubemend's own account of it, and loaded kubemend's rules.
    const fixes = await until(
      'Prometheus to scrape the applied fix',
      () => promQuery('kubemend_fix_applied_timestamp_seconds'),
      (rows) => rows.length > 0,
      30_000,
    );
    expect(fixes[0]!.metric).toMatchObject({
      job: 'kubemend',
      alertname: 'KubePodCrashLooping',
      namespace,
      action: 'rollout-restart',
      target: 'Deployment/checkout',
    });
    expect(await promQuery('kubemend_outcomes_total{result="applied"}')).toEqual([
      expect.objectContaining({ value: [expect.any(Number), '1'] }),
    ]);
    // A full run's logs (JSON lines, with the alert id) hold no credential.
    expect(kubemend.logs()).toContain('"msg":"remediation applied"');
    expect(kubemend.logs()).toContain(applied!.id);
    expect(kubemend.logs()).not.toContain(TOKEN);
    expect(kubemend.logs()).not.toMatch(/Bearer [A-Za-z0-9._~+/-]{8,}/);
    const kubeTokens = (
      parse(readFileSync(testKubeconfig(), 'utf8')) as { users: { user: { token: string } }[] }
    ).users.map((u) => u.user.token);
    for (const token of kubeTokens) expect(kubemend.logs()).not.toContain(token);
    const rules = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string }[] }[] };
    };
    const group = rules.data.groups.find((g) => g.name === 'kubemend');
    expect(group?.rules.map((rule) => [rule.name, rule.health])).toEqual([
      ['KubemendFixDidNotClearAlert', 'ok'],
      ['KubemendFixesFailing', 'ok'],
      ['KubemendCircuitOpen', 'ok'],
      ['KubemendDown', 'ok'],
    ]);
  }, 180_000);
});
