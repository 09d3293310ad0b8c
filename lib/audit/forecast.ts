import { describeError } from '../errors.ts';
import type { MetricsSource } from '../models/consult.ts';
import { evaluateSignal } from '../models/evaluate.ts';
import type { Finding } from './finding.ts';

/**
 * What will fill before any alert fires: for each signal with a forecast, its history for every
 * object at once, and a finding for each whose trend reaches the limit within the horizon. A
 * Prometheus that cannot answer gives one finding saying so, never an error.
 */
export async function forecastFindings(source: MetricsSource, now: Date): Promise<Finding[]> {
  const { models, client } = source;
  const findings: Finding[] = [];
  for (const signal of models.signals) {
    const forecast = signal.forecast;
    const trend = signal.models.trend;
    if (forecast === undefined || trend === undefined) continue;
    const window = signal.window ?? models.defaults.window;
    let series;
    try {
      series = await client.range(forecast.query, new Date(now.getTime() - window * 1000), now, models.defaults.step);
    } catch (error) {
      findings.push({
        key: `Prometheus//${signal.name}/forecast-unavailable`,
        detector: 'forecast',
        kind: 'Prometheus',
        name: signal.name,
        anomaly: 'forecast-unavailable',
        summary: `cannot forecast ${signal.description}: ${describeError(error).message}`,
        confidence: 1,
        evidence: [],
      });
      continue;
    }
    for (const { labels, samples } of series) {
      const verdict = evaluateSignal(signal, samples, {
        now: now.getTime() / 1000,
        minPoints: models.defaults.minPoints,
        sustainedFor: models.defaults.sustainedFor,
      });
      const left = verdict.numbers.secondsToLimit;
      if (left === undefined || left > trend.horizon || verdict.pattern !== 'leak') continue;
      const namespace = labels[forecast.namespaceLabel];
      const name = labels[forecast.nameLabel] ?? '';
      const extra = signal.forecast?.kind === 'ResourceQuota' && labels.resource ? ` (${labels.resource})` : '';
      findings.push({
        key: `${forecast.kind}/${namespace ?? ''}/${name}${extra}/forecast-full`,
        detector: 'forecast',
        kind: forecast.kind,
        namespace,
        name: `${name}${extra}`,
        anomaly: 'forecast-full',
        summary: `${forecast.kind} ${name}${extra}: ${signal.description} is ${percent(verdict.numbers.latest)} and grows ${percent(verdict.numbers.slopePerHour)} an hour — at the limit in ${hours(left)}, before any alert fires`,
        confidence: 0.7,
        evidence: [{ source: `prometheus:${signal.name}`, message: verdict.summary }],
      });
    }
  }
  return findings;
}

function percent(value: number | undefined): string {
  return value === undefined ? '?' : `${(value * 100).toFixed(value < 0.1 ? 2 : 0)}%`;
}

function hours(seconds: number): string {
  return seconds < 7200
    ? `${Math.round(seconds / 60)} min`
    : seconds < 172_800
      ? `${(seconds / 3600).toFixed(1)} h`
      : `${(seconds / 86_400).toFixed(1)} d`;
}
