// Precision and recall of the metric models' confirmation, on a real Prometheus: 360 generated
// cases of labelled history (sustained anomalies of five kinds, some deliberately hard, and normal
// series with noise, blips and values hovering at the threshold), backfilled with promtool, read back through kubemend's Prometheus client and judged by
// the shipped config/model_config.yaml. Seeded, so every run judges the same cases.
//
//   npm run bench:models
import { join } from 'node:path';

import { evaluateSignal } from '../lib/models/evaluate.ts';
import { loadModelConfig, renderQuery, type Signal } from '../lib/models/model-config.ts';
import { createPrometheusClient } from '../lib/prometheus/client.ts';
import { startPrometheus, type BackfillSeries } from '../tests/testenv/prometheus.ts';

type Kind = 'steady-high' | 'leak' | 'spike' | 'slow-leak' | 'small-spike' | 'normal' | 'noisy' | 'blip' | 'hovering';
/** Labelled anomalies: a fix would be justified. The rest is what a threshold alert flaps on. */
const ANOMALOUS: readonly Kind[] = ['steady-high', 'leak', 'spike', 'slow-leak', 'small-spike'];
const KINDS: readonly Kind[] = [
  'steady-high',
  'leak',
  'spike',
  'slow-leak',
  'small-spike',
  'normal',
  'noisy',
  'blip',
  'hovering',
];
const PER_KIND = 40;

let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());

/** Memory as a share of its limit, a minute apart for three hours, shaped like `kind` around `base`. */
function shape(kind: Kind, minute: number, base: number): number {
  const noise = 0.01 * gaussian();
  switch (kind) {
    case 'steady-high':
      return 0.94 + 0.02 * Math.sin(minute / 20) + noise;
    case 'leak':
      return Math.min(0.99, base - 0.1 + (0.5 * minute) / 180 + noise);
    case 'spike':
      return minute > 165 ? base + 0.25 + noise : base + noise;
    case 'slow-leak':
      // 3% of the limit an hour: hours from the limit, but growing all the same.
      return base + (0.09 * minute) / 180 + noise;
    case 'small-spike':
      return minute > 165 ? base + 0.06 + noise : base + noise;
    case 'hovering':
      // Just under the threshold, wobbling across it now and then.
      return 0.885 + 0.012 * Math.sin(minute / 3) + noise;
    case 'normal':
      return base + noise;
    case 'noisy':
      return base + 4 * noise;
    case 'blip':
      return minute >= 176 && minute <= 177 ? 0.95 : base + noise;
  }
}

const models = loadModelConfig(join(import.meta.dirname, '..', 'config', 'model_config.yaml'));
const signal: Signal = models.signals.find((s) => s.name === 'memory-vs-limit')!;
const now = Math.floor(Date.now() / 1000 / 60) * 60 - 60;
const minutes = Array.from({ length: 181 }, (_, i) => now - (180 - i) * 60);
const cases: { pod: string; kind: Kind }[] = [];
const series: BackfillSeries[] = [];
for (const kind of KINDS) {
  for (let n = 0; n < PER_KIND; n += 1) {
    const pod = `${kind}-${n}`;
    cases.push({ pod, kind });
    const labels = { namespace: 'bench', pod, container: 'app' };
    const base = 0.4 + 0.3 * random();
    series.push({
      metric: 'container_memory_working_set_bytes',
      labels,
      samples: minutes.map((t, i) => [t, Math.round(Math.max(0, shape(kind, i, base)) * 2 ** 30)]),
    });
    series.push({
      metric: 'kube_pod_container_resource_limits',
      labels: { ...labels, resource: 'memory' },
      samples: minutes.map((t) => [t, 2 ** 30]),
    });
  }
}

const prometheus = await startPrometheus(series);
try {
  const client = createPrometheusClient({
    url: prometheus.url,
    auth: { type: 'none' },
    timeoutMs: 10_000,
    maxSeries: 5,
    maxPoints: 500,
  });
  const started = performance.now();
  const rows = [];
  for (const { pod, kind } of cases) {
    const rendered = renderQuery(signal, { namespace: 'bench', pod });
    if (!('query' in rendered)) throw new Error(`labels missing: ${rendered.missing.join(', ')}`);
    const [answer] = await client.range(rendered.query, new Date((now - 3 * 3600) * 1000), new Date(now * 1000), 60);
    const verdict = evaluateSignal(signal, answer?.samples ?? [], {
      now,
      minPoints: models.defaults.minPoints,
      sustainedFor: models.defaults.sustainedFor,
    });
    rows.push({
      kind,
      anomalous: ANOMALOUS.includes(kind),
      confirmed: verdict.status === 'confirmed',
      pattern: verdict.pattern,
    });
  }
  const elapsed = performance.now() - started;
  const tp = rows.filter((r) => r.anomalous && r.confirmed).length;
  const fp = rows.filter((r) => !r.anomalous && r.confirmed).length;
  const fn = rows.filter((r) => r.anomalous && !r.confirmed).length;
  const tn = rows.filter((r) => !r.anomalous && !r.confirmed).length;
  console.log('| case kind   | labelled  | cases | confirmed | patterns |');
  console.log('| ----------- | --------- | ----- | --------- | -------- |');
  for (const kind of KINDS) {
    const of = rows.filter((r) => r.kind === kind);
    const patterns = [...new Set(of.filter((r) => r.confirmed).map((r) => r.pattern))].join(', ') || '—';
    console.log(
      `| ${kind.padEnd(11)} | ${ANOMALOUS.includes(kind) ? 'anomaly  ' : 'normal   '} | ${String(of.length).padStart(5)} | ${String(of.filter((r) => r.confirmed).length).padStart(9)} | ${patterns} |`,
    );
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  console.log(
    `\n${rows.length} cases: TP ${tp}, FP ${fp}, FN ${fn}, TN ${tn} — precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}; ${(elapsed / rows.length).toFixed(1)} ms a case (query + judgement)`,
  );
} finally {
  await prometheus.stop();
}
