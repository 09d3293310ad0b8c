import type { Sample } from './stats.ts';

/** One series of a query's answer: its labels and its samples, oldest first. */
export interface Series {
  labels: Record<string, string>;
  samples: Sample[];
}

/**
 * Where the models read a signal's history: a Prometheus-compatible query API (lib/prometheus is
 * the adapter). Queries are PromQL with the alert's labels put in.
 */
export interface MetricsHistory {
  /** An instant query at `at` (default now): one sample per series. */
  instant(query: string, at?: Date): Promise<Series[]>;
  /** A range query from `start` to `end` every `stepSeconds`. */
  range(query: string, start: Date, end: Date, stepSeconds: number): Promise<Series[]>;
}
