import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { join } from 'node:path';

import { forecastFindings } from '../../lib/audit/forecast.ts';
import { evaluateSignal } from '../../lib/models/evaluate.ts';
import { loadModelConfig, renderQuery } from '../../lib/models/model-config.ts';
import { linearTrend, median } from '../../lib/models/stats.ts';
import { PrometheusQueryError, PrometheusUnreachableError } from '../../lib/errors.ts';
import { createPrometheusClient, type PrometheusClient } from '../../lib/prometheus/client.ts';
import { freePort } from '../testenv/processes.ts';
import { startPrometheus, type TestPrometheus } from '../testenv/prometheus.ts';

/** The Prometheus client against a real Prometheus whose TSDB holds three hours of backfilled history. */
const MiB = 2 ** 20;
const end = Math.floor(Date.now() / 1000 / 60) * 60 - 10 * 60;
const start = end - 3 * 3600;
const minutes = Array.from({ length: (end - start) / 60 + 1 }, (_, i) => start + i * 60);
let prometheus: TestPrometheus;
let client: PrometheusClient;

beforeAll(async () => {
  prometheus = await startPrometheus([
    // A leak: 4 MiB a minute from 200 MiB.
    {
      metric: 'container_memory_working_set_bytes',
      labels: { namespace: 'shop', pod: 'api-1', container: 'app' },
      samples: minutes.map((t, i) => [t, 200 * MiB + 4 * MiB * i]),
    },
    // Steady at 980 MiB, with noise of a few MiB.
    {
      metric: 'container_memory_working_set_bytes',
      labels: { namespace: 'shop', pod: 'worker-1', container: 'app' },
      samples: minutes.map((t, i) => [t, 980 * MiB + ((i * 7919) % 7) * MiB]),
    },
    // Two volumes: one filling 1% of its capacity an hour (full in about two days), one flat.
    ...[
      { pvc: 'data-db-0', used: (i: number) => 0.5 + (0.01 * i) / 60 },
      { pvc: 'logs', used: () => 0.4 },
    ].flatMap(({ pvc, used }) => [
      {
        metric: 'kubelet_volume_stats_used_bytes',
        labels: { namespace: 'shop', persistentvolumeclaim: pvc },
        samples: minutes.map((t, i) => [t, Math.round(used(i) * 100 * 2 ** 30)] as const),
      },
      {
        metric: 'kubelet_volume_stats_capacity_bytes',
        labels: { namespace: 'shop', persistentvolumeclaim: pvc },
        samples: minutes.map((t) => [t, 100 * 2 ** 30] as const),
      },
    ]),
    // Both containers are limited to 1 GiB, as kube-state-metrics reports it.
    ...['api-1', 'worker-1'].map((pod) => ({
      metric: 'kube_pod_container_resource_limits',
      labels: { namespace: 'shop', pod, container: 'app', resource: 'memory', unit: 'byte' },
      samples: minutes.map((t) => [t, 1024 * MiB] as const),
    })),
  ]);
  client = createPrometheusClient({
    url: prometheus.url,
    auth: { type: 'none' },
    timeoutMs: 5_000,
    maxSeries: 10,
    maxPoints: 500,
  });
}, 60_000);

afterAll(async () => {
  await prometheus.stop();
});

describe('Prometheus client on a real Prometheus', () => {
  it('reads a range and the trend in it: the leak grows 4 MiB a minute', async () => {
    const [leak] = await client.range(
      'container_memory_working_set_bytes{namespace="shop",pod="api-1"}',
      new Date(start * 1000),
      new Date(end * 1000),
      60,
    );

    expect(leak?.labels).toMatchObject({ pod: 'api-1', container: 'app' });
    expect(leak?.samples).toHaveLength(minutes.length);
    expect((linearTrend(leak!.samples).slopePerSecond * 60) / MiB).toBeCloseTo(4, 6);
  });

  it('answers instant queries at a given time', async () => {
    const series = await client.instant(
      'container_memory_working_set_bytes{namespace="shop",pod="worker-1"}',
      new Date(end * 1000),
    );

    expect(series).toHaveLength(1);
    expect(median(series[0]!.samples.map(([, v]) => v)) / MiB).toBeGreaterThanOrEqual(980);
  });

  it('says what Prometheus refused, and bounds what it reads', async () => {
    await expect(client.instant('rate(container_memory_working_set_bytes[')).rejects.toThrow(PrometheusQueryError);
    await expect(client.instant('rate(container_memory_working_set_bytes[')).rejects.toThrow(/bad_data: /);

    const narrow = createPrometheusClient({
      url: prometheus.url,
      auth: { type: 'none' },
      timeoutMs: 5_000,
      maxSeries: 1,
      maxPoints: 10,
    });
    await expect(narrow.instant('container_memory_working_set_bytes', new Date(end * 1000))).rejects.toThrow(
      '"container_memory_working_set_bytes" answered 2 series, more than the 1 allowed',
    );
    expect(() => narrow.range('up', new Date(start * 1000), new Date(end * 1000), 60)).toThrow(
      'a range of 181 points (step 60s) is more than the 10 allowed: widen the step',
    );
  });

  it('tells a leak from a limit too low with the shipped memory model, from the real history', async () => {
    const models = loadModelConfig(join(import.meta.dirname, '../../config/model_config.yaml'));
    const signal = models.signals.find((s) => s.name === 'memory-vs-limit')!;
    const verdictFor = async (pod: string) => {
      const rendered = renderQuery(signal, { namespace: 'shop', pod });
      if (!('query' in rendered)) throw new Error(`missing labels ${rendered.missing.join(', ')}`);
      const [series] = await client.range(rendered.query, new Date(start * 1000), new Date(end * 1000), 60);
      return evaluateSignal(signal, series?.samples ?? [], {
        now: end,
        minPoints: models.defaults.minPoints,
        sustainedFor: models.defaults.sustainedFor,
      });
    };

    const leak = await verdictFor('api-1');
    const steady = await verdictFor('worker-1');

    expect(leak).toMatchObject({ status: 'confirmed', pattern: 'leak' });
    expect(leak.summary).toMatch(/grew 23%\/h for 3\.0 h to 90%, reaching 100% in \d+ min: likely a leak/);
    expect(steady).toMatchObject({ status: 'confirmed', pattern: 'steady-high' });
    expect(steady.summary).toMatch(/steady at 96% .*the limit is too low for the load$/);
  });

  it('forecasts in audits the volume that will fill before any alert fires, and not the flat one', async () => {
    const models = loadModelConfig(join(import.meta.dirname, '../../config/model_config.yaml'));

    const findings = await forecastFindings({ client, models }, new Date(end * 1000));

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      key: 'PersistentVolumeClaim/shop/data-db-0/forecast-full',
      kind: 'PersistentVolumeClaim',
      namespace: 'shop',
      name: 'data-db-0',
      anomaly: 'forecast-full',
    });
    expect(findings[0]!.summary).toMatch(
      /^PersistentVolumeClaim data-db-0: share of a volume's capacity used is 53% and grows 1\.00% an hour — at the limit in 47\.\d h, before any alert fires$/,
    );
  });

  it('reports an unreachable Prometheus as such', async () => {
    const port = await freePort();
    const gone = createPrometheusClient({
      url: `http://127.0.0.1:${port}`,
      auth: { type: 'none' },
      timeoutMs: 2_000,
      maxSeries: 1,
      maxPoints: 1,
    });

    await expect(gone.instant('up')).rejects.toThrow(PrometheusUnreachableError);
    await expect(gone.instant('up')).rejects.toThrow(
      `cannot reach Prometheus at http://127.0.0.1:${port}: ECONNREFUSED`,
    );
  });
});
