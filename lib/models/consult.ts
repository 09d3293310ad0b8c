import type { Alert } from '../alert/schema.ts';
import { describeError } from '../errors.ts';
import type { MetricsHistory } from './history.ts';
import { evaluateSignal, type Verdict } from './evaluate.ts';
import { renderQuery, type ModelConfig } from './model-config.ts';

/** A cluster's Prometheus and the models to judge its history with. */
export interface MetricsSource {
  client: MetricsHistory;
  models: ModelConfig;
}

/**
 * Reads, for each signal configured for the alert (and whose labels the alert carries), its
 * history up to `now`, and judges it. A Prometheus that cannot answer gives `unavailable`, never
 * an error: the diagnosis stands on the cluster's objects alone then.
 */
export async function consultMetrics(
  alert: Alert,
  source: MetricsSource,
  now: Date,
): Promise<{ verdicts: Verdict[]; unavailable?: string }> {
  const { models } = source;
  const signals = models.signals.filter((signal) => signal.alerts.includes(alert.labels.alertname ?? ''));
  const verdicts: Verdict[] = [];
  for (const signal of signals) {
    const rendered = renderQuery(signal, alert.labels);
    if (!('query' in rendered)) continue;
    const window = signal.window ?? models.defaults.window;
    try {
      const series = await source.client.range(
        rendered.query,
        new Date(now.getTime() - window * 1000),
        now,
        models.defaults.step,
      );
      // Seasonality: the same time of day on each previous day (three `sustainedFor` up to that
      // moment) is the baseline instead of today's earlier hours.
      const previousDays: number[] = [];
      for (let day = 1; day <= (signal.models.baseline?.previousDays ?? 0); day += 1) {
        const then = now.getTime() - day * 86_400_000;
        const past = await source.client.range(
          rendered.query,
          new Date(then - 3_600_000),
          new Date(then),
          models.defaults.step,
        );
        previousDays.push(...(past[0]?.samples.map(([, value]) => value) ?? []));
      }
      verdicts.push(
        evaluateSignal(signal, series[0]?.samples ?? [], {
          now: now.getTime() / 1000,
          minPoints: models.defaults.minPoints,
          sustainedFor: models.defaults.sustainedFor,
          previousDays,
        }),
      );
    } catch (error) {
      return { verdicts, unavailable: `metrics unavailable: ${describeError(error).message}` };
    }
  }
  return { verdicts };
}

/** The metrics say the alert's anomaly did not hold: some signal judged it, and none confirmed it. */
export function notConfirmed(verdicts: readonly Verdict[]): boolean {
  return verdicts.some((v) => v.status === 'not-confirmed') && !verdicts.some((v) => v.status === 'confirmed');
}

/**
 * `metricsFor` for the pipeline: each cluster's Prometheus client (built once) with the models,
 * or undefined for a cluster with no Prometheus configured. `models` may be a loader: it is then
 * called when a cluster first has a client (the model file is read and parsed only where metrics
 * are consulted), and its models kept; a loader that throws is called again next time.
 */
export function metricsSources(
  clientFor: (cluster: string | undefined) => MetricsHistory | undefined,
  models: ModelConfig | undefined | (() => ModelConfig | undefined),
): (cluster: string | undefined) => MetricsSource | undefined {
  const clients = new Map<string, MetricsHistory | undefined>();
  let loaded: { models: ModelConfig | undefined } | undefined;
  const modelsNow = () => (typeof models === 'function' ? (loaded ??= { models: models() }).models : models);
  return (cluster) => {
    if (models === undefined) return undefined;
    const key = cluster ?? '';
    if (!clients.has(key)) clients.set(key, clientFor(cluster));
    const client = clients.get(key);
    if (client === undefined) return undefined;
    const current = modelsNow();
    return current === undefined ? undefined : { client, models: current };
  };
}
