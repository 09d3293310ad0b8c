import type { Signal } from './model-config.ts';
import { ewma, linearTrend, mad, median, robustScore, secondsToLimit, type Sample } from './stats.ts';

/**
 * What a signal's history says about an alert: `confirmed` (an anomaly that held for the last
 * `sustainedFor`), `not-confirmed` (a blip, or nothing unusual), or `insufficient-data`; with the
 * numbers and a sentence a person can act on. Pure.
 */
export interface Verdict {
  signal: string;
  status: 'confirmed' | 'not-confirmed' | 'insufficient-data';
  /** leak: growing toward the limit; steady-high: flat but beyond the threshold; spike: a jump from baseline. */
  pattern?: 'leak' | 'steady-high' | 'spike';
  summary: string;
  numbers: {
    points: number;
    latest?: number;
    median?: number;
    mad?: number;
    robustScore?: number;
    ewma?: number;
    slopePerHour?: number;
    secondsToLimit?: number;
  };
}

export function evaluateSignal(
  signal: Signal,
  samples: readonly Sample[],
  options: {
    now: number;
    minPoints: number;
    sustainedFor: number;
    /**
     * Values from the same time of day on previous days (`baseline.previousDays`): when given,
     * they are the baseline, so a daily peak is compared with yesterday's peak, not with the night.
     */
    previousDays?: readonly number[];
  },
): Verdict {
  const finite = samples.filter(([, value]) => Number.isFinite(value));
  const base = { signal: signal.name };
  if (finite.length < options.minPoints) {
    return {
      ...base,
      status: 'insufficient-data',
      summary: `${signal.description}: ${finite.length} points, fewer than the ${options.minPoints} needed to judge`,
      numbers: { points: finite.length },
    };
  }
  const models = signal.models;
  const values = finite.map(([, value]) => value);
  const latest = values.at(-1)!;
  const recentFrom = options.now - options.sustainedFor;
  const recent = finite.filter(([time]) => time >= recentFrom).map(([, value]) => value);
  const seasonal = (options.previousDays ?? []).filter((value) => Number.isFinite(value));
  const before =
    seasonal.length >= 2 ? seasonal : finite.filter(([time]) => time < recentFrom).map(([, value]) => value);
  const numbers: Verdict['numbers'] = { points: finite.length, latest, median: median(values), mad: mad(values) };
  if (models.ewma !== undefined) numbers.ewma = ewma(values, models.ewma.alpha);
  const trend = linearTrend(finite);
  numbers.slopePerHour = trend.slopePerSecond * 3600;
  const say = (value: number) => format(value, signal.unit);

  // Sustained beyond the threshold: every point of the last `sustainedFor`.
  const threshold = models.threshold?.above;
  const above = threshold === undefined ? [] : recent.filter((value) => value > threshold);
  const sustainedHigh = threshold !== undefined && recent.length >= 2 && above.length === recent.length;
  // A jump from the baseline that held: the recent median, scored against the earlier window.
  let spike = false;
  if (models.baseline !== undefined && before.length >= 2 && recent.length >= 2) {
    numbers.robustScore = robustScore(median(recent), before);
    spike = numbers.robustScore >= models.baseline.robustScore && recent.every((v) => robustScore(v, before) >= 1);
  }
  // Growing toward a limit within the horizon.
  let growing = false;
  if (models.trend !== undefined && numbers.slopePerHour >= models.trend.minSlopePerHour && numbers.slopePerHour > 0) {
    const left = secondsToLimit(finite, models.trend.limit, options.now);
    if (left !== undefined) numbers.secondsToLimit = left;
    growing = left !== undefined && left <= models.trend.horizon;
  }
  const hours = ((finite.at(-1)![0] - finite[0]![0]) / 3600).toFixed(1);
  const rate = `${say(numbers.slopePerHour)}/h`;

  // Growing toward the limit within the horizon is itself the anomaly, above the threshold or not yet.
  if (sustainedHigh || spike || growing) {
    const pattern = growing && !spike ? 'leak' : spike ? 'spike' : 'steady-high';
    const words = {
      leak: `${signal.description} grew ${rate} for ${hours} h to ${say(latest)}${numbers.secondsToLimit === undefined ? '' : `, reaching ${say(models.trend!.limit)} in ${duration(numbers.secondsToLimit)}`}: likely a leak — raising the limit only postpones it`,
      'steady-high': `${signal.description} steady at ${say(latest)} (median ${say(numbers.median!)}, above ${say(threshold ?? latest)} for the last ${duration(options.sustainedFor)}): the limit is too low for the load`,
      spike: `${signal.description} jumped to ${say(median(recent))}, ${numbers.robustScore?.toFixed(1)} deviations above its ${hours} h baseline of ${say(median(before))}, and stayed there for ${duration(options.sustainedFor)}`,
    };
    return { ...base, status: 'confirmed', pattern, summary: words[pattern], numbers };
  }
  if (threshold !== undefined && above.length > 0) {
    return {
      ...base,
      status: 'not-confirmed',
      summary: `${signal.description}: a blip — above ${say(threshold)} for ${above.length} of the last ${recent.length} points (latest ${say(latest)}, median ${say(numbers.median!)})`,
      numbers,
    };
  }
  return {
    ...base,
    status: 'not-confirmed',
    summary: `${signal.description}: nothing unusual — latest ${say(latest)}, median ${say(numbers.median!)} over ${hours} h`,
    numbers,
  };
}

function format(value: number, unit: Signal['unit']): string {
  if (unit === 'ratio') return `${(value * 100).toFixed(value * 100 < 10 ? 1 : 0)}%`;
  if (unit === 'bytes') return `${(value / 2 ** 20).toFixed(0)} MiB`;
  if (unit === 'seconds') return duration(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
