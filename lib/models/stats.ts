/**
 * The statistics the metric models use, pure and over plain numbers: a robust baseline (median
 * and MAD), EWMA, and a least-squares trend with the time until a limit is reached (as PromQL's
 * `predict_linear`). Samples are `[unixSeconds, value]` pairs, oldest first.
 */
export type Sample = readonly [time: number, value: number];

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median absolute deviation, scaled (×1.4826) to estimate a standard deviation under normal noise. */
export function mad(values: readonly number[]): number {
  const center = median(values);
  return 1.4826 * median(values.map((value) => Math.abs(value - center)));
}

/**
 * How many robust deviations `value` lies from the baseline's median. A flat baseline (MAD 0)
 * gives 0 for the same value and ±Infinity for any other.
 */
export function robustScore(value: number, baseline: readonly number[]): number {
  const center = median(baseline);
  const spread = mad(baseline);
  if (spread === 0) return value === center ? 0 : Math.sign(value - center) * Number.POSITIVE_INFINITY;
  return (value - center) / spread;
}

/** Exponentially weighted moving average; `alpha` in (0, 1], larger follows recent samples more. */
export function ewma(values: readonly number[], alpha: number): number {
  if (values.length === 0) return Number.NaN;
  let average = values[0]!;
  for (const value of values.slice(1)) average = alpha * value + (1 - alpha) * average;
  return average;
}

/** Least-squares line through the samples: slope per second and the value it gives at `at`. */
export function linearTrend(samples: readonly Sample[]): { slopePerSecond: number; valueAt: (time: number) => number } {
  const n = samples.length;
  if (n < 2) return { slopePerSecond: Number.NaN, valueAt: () => Number.NaN };
  const meanTime = samples.reduce((sum, [time]) => sum + time, 0) / n;
  const meanValue = samples.reduce((sum, [, value]) => sum + value, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [time, value] of samples) {
    covariance += (time - meanTime) * (value - meanValue);
    variance += (time - meanTime) ** 2;
  }
  const slope = variance === 0 ? Number.NaN : covariance / variance;
  return { slopePerSecond: slope, valueAt: (time) => meanValue + slope * (time - meanTime) };
}

/**
 * Seconds from `now` until a rising trend reaches the upper `limit` (as `predict_linear` would
 * answer): 0 when it is already there, undefined when the trend is flat or falling. For a lower
 * limit (free space running out), negate the values and the limit.
 */
export function secondsToLimit(samples: readonly Sample[], limit: number, now: number): number | undefined {
  const { slopePerSecond, valueAt } = linearTrend(samples);
  if (!Number.isFinite(slopePerSecond) || slopePerSecond <= 0) return undefined;
  return Math.max(0, (limit - valueAt(now)) / slopePerSecond);
}
