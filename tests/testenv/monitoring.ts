import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';

import { parse, stringify } from 'yaml';

import { testKubeconfig } from './cluster.ts';
import { freePort, provision, startProcess, stopProcesses, waitFor, type Managed } from './processes.ts';

/** The kubernetes-mixin alert rules this suite evaluates (see the file's header). */
export const MIXIN_RULES = join(import.meta.dirname, 'mixin', 'kubernetes-rules.yml');

/** One series of the stand-in for the kubelet's own metrics: name, labels, value. */
export interface KubeletSample {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

export interface Monitoring {
  prometheusUrl: string;
  /** The alerts Prometheus has firing now, by name and labels. */
  firing(): Promise<{ labels: Record<string, string>; state: string; activeAt: string }[]>;
  stop(): Promise<void>;
}

/**
 * The monitoring stack kube-prometheus runs, on loopback: kube-state-metrics (built pinned by
 * scripts/testenv/ksm.sh) watching the test API server, and a real Prometheus scraping it every
 * second as job `kube-state-metrics`, evaluating `rules` and sending what fires to Alertmanager.
 *
 * kwok has no kubelet and no cAdvisor, so the series only those serve (volume statistics, CFS
 * throttling) come from a stand-in the test fills, scraped as jobs `kubelet` and `cadvisor`.
 */
export async function startMonitoring(options: {
  workDir: string;
  alertmanagerUrl: string;
  rules?: string;
  /** kube-state-metrics watches only these namespaces' objects (and the cluster-scoped ones). */
  namespaces?: readonly string[];
  /** What the kubelet stand-in serves, asked at each scrape. */
  kubelet?: () => readonly KubeletSample[];
}): Promise<Monitoring> {
  const processes: Managed[] = [];
  const ksmPort = await freePort();
  const ksmTelemetry = await freePort();
  const kubeconfig = join(options.workDir, 'ksm.kubeconfig');
  writeFileSync(kubeconfig, adminKubeconfig());
  const ksm = startProcess(
    'kube-state-metrics',
    provision('ksm.sh'),
    [
      `--kubeconfig=${kubeconfig}`,
      '--host=127.0.0.1',
      `--port=${ksmPort}`,
      '--telemetry-host=127.0.0.1',
      `--telemetry-port=${ksmTelemetry}`,
      // What the mixin's PersistentVolume rules read to leave excluded claims out.
      '--metric-labels-allowlist=persistentvolumeclaims=[excluded_from_alerts]',
      ...(options.namespaces === undefined ? [] : [`--namespaces=${options.namespaces.join(',')}`]),
    ],
    options.workDir,
  );
  processes.push(ksm);
  await waitFor(ksm, async () => (await fetch(`http://127.0.0.1:${ksmPort}/healthz`)).ok, 60_000);

  const kubelet = await serveKubeletStandIn(options.kubelet ?? (() => []));
  const kubeletTarget = `127.0.0.1:${(kubelet.address() as { port: number }).port}`;

  const promPort = await freePort();
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  const config = join(options.workDir, 'prometheus-mixin.yml');
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', external_labels: { cluster: 'test' } },
      rule_files: [options.rules ?? MIXIN_RULES],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(options.alertmanagerUrl).host] }] }] },
      scrape_configs: [
        // kube-prometheus keeps the object's own namespace label (honor_labels).
        {
          job_name: 'kube-state-metrics',
          honor_labels: true,
          static_configs: [{ targets: [`127.0.0.1:${ksmPort}`] }],
        },
        { job_name: 'kubelet', honor_labels: true, static_configs: [{ targets: [kubeletTarget] }] },
        {
          job_name: 'cadvisor',
          honor_labels: true,
          metrics_path: '/metrics/cadvisor',
          static_configs: [{ targets: [kubeletTarget] }],
        },
      ],
    }),
  );
  const prometheus = startProcess(
    'prometheus-mixin',
    join(process.env.KUBEMEND_TEST_BIN_DIR ?? '/usr/bin', 'prometheus'),
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(options.workDir, 'prometheus-mixin')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    options.workDir,
  );
  processes.push(prometheus);
  await waitFor(prometheus, async () => (await fetch(`${prometheusUrl}/-/ready`)).ok);

  return {
    prometheusUrl,
    firing: async () => {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as {
        data: { alerts: { labels: Record<string, string>; state: string; activeAt: string }[] };
      };
      return body.data.alerts;
    },
    stop: async () => {
      await stopProcesses(processes);
      await new Promise((resolve) => kubelet.close(resolve));
    },
  };
}

/** The test kubeconfig with the admin identity as its current context. */
function adminKubeconfig(): string {
  const config = parse(readFileSync(testKubeconfig(), 'utf8')) as Record<string, unknown>;
  return stringify({ ...config, 'current-context': 'admin' });
}

/**
 * Serves the samples in the Prometheus text format: `/metrics` the kubelet's (volume stats),
 * `/metrics/cadvisor` cAdvisor's (CFS counters); each path serves the metrics of its own family.
 */
async function serveKubeletStandIn(samples: () => readonly KubeletSample[]): Promise<Server> {
  const server = createServer((request, response) => {
    const cadvisor = request.url === '/metrics/cadvisor';
    const lines = samples()
      .filter((s) => s.metric.startsWith('container_') === cadvisor)
      .map((s) => {
        const labels = Object.entries(s.labels)
          .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
          .join(',');
        return `${s.metric}{${labels}} ${s.value}`;
      });
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
