// How fast the receiver acknowledges Alertmanager: parse, validate, dedupe and hand on one
// 500-alert group, in process on one core, repeated; p50/p99 latency and alerts per second against
// the targets (p99 ≤ 20 ms, p99 ≤ 3× p50, ≥ 5,000 alerts/s). The queue is in memory, so this
// measures kubemend's own work, not SQS.
//
// What explains the tail is measured alongside, not inferred: every garbage collection is observed
// (perf_hooks 'gc' entries) and matched to the runs it paused, so the table shows how many runs a
// GC landed in, the pauses by kind, p99 over the runs no GC touched, the bytes one group allocates
// (heap growth over runs with no GC) and how much the old space grows over a run with a scavenge
// (what the scavenger promoted: it is what makes a scavenge long).
//
//   npm run bench:webhook
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

import type { AlertMessage } from '../lib/pipeline/messages.ts';
import type { Queue } from '../lib/queue/queue.ts';
import { receiveWebhook } from '../lib/receiver/receive.ts';

const GROUP = 500;
const RUNS = 300;
const WARMUP = 30;
const TAIL_TARGET = 3;

const template = JSON.parse(
  readFileSync(join(import.meta.dirname, '../tests/fixtures/alerts/crashlooping-single.json'), 'utf8'),
) as { alerts: Record<string, unknown>[] } & Record<string, unknown>;
const alert = template.alerts[0]!;
const body = JSON.stringify({
  ...template,
  alerts: Array.from({ length: GROUP }, (_, i) => ({
    ...alert,
    labels: {
      ...(alert.labels as Record<string, string>),
      pod: `checkout-7d9f8b6c5d-${i.toString(36).padStart(5, '0')}`,
    },
    // Every tenth alert repeats the one before it, as a resent group may.
    fingerprint: i % 10 === 9 ? `fp-${i - 1}` : `fp-${i}`,
  })),
});

let handedOn = 0;
const queue: Queue<AlertMessage> = {
  send: async (messages) => {
    handedOn += messages.length;
  },
};
const clock = () => new Date();

interface Gc {
  start: number;
  end: number;
  minor: boolean;
}
const gcs: Gc[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    gcs.push({
      start: entry.startTime,
      end: entry.startTime + entry.duration,
      minor: kind === constants.NODE_PERFORMANCE_GC_MINOR,
    });
  }
});
observer.observe({ entryTypes: ['gc'] });

interface Run {
  ms: number;
  start: number;
  end: number;
  heapGrowth: number;
  oldGrowth: number;
}
const oldSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0;
const runs: Run[] = [];
for (let run = 0; run < WARMUP + RUNS; run += 1) {
  const heapBefore = getHeapStatistics().used_heap_size;
  const oldBefore = oldSpace();
  const started = performance.now();
  await receiveWebhook(body, { alerts: queue, clock });
  const ended = performance.now();
  const heapGrowth = getHeapStatistics().used_heap_size - heapBefore;
  if (run >= WARMUP)
    runs.push({ ms: ended - started, start: started, end: ended, heapGrowth, oldGrowth: oldSpace() - oldBefore });
}
await new Promise((resolve) => setTimeout(resolve, 10));
observer.disconnect();

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const timings = runs.map((run) => run.ms);
const at = (q: number) => quantile(timings, q);
const total = timings.reduce((sum, t) => sum + t, 0);
const perSecond = (GROUP * RUNS) / (total / 1000);
const row = (name: string, value: string, target: string, ratio: string) =>
  console.log(`| ${name.padEnd(28)} | ${value.padStart(12)} | ${target.padStart(10)} | ${ratio.padStart(8)} |`);

console.log(
  `webhook acknowledgement: ${GROUP}-alert groups (${body.length} bytes), ${RUNS} runs after ${WARMUP} warm-up, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`,
);
console.log('| measure                      |        value |     target | of target |');
console.log('| ---------------------------- | ------------ | ---------- | -------- |');
row('p50 per group', `${at(0.5).toFixed(2)} ms`, '', '');
row('p99 per group', `${at(0.99).toFixed(2)} ms`, '≤ 20 ms', `${(at(0.99) / 20).toFixed(2)}×`);
row('alerts per second (1 core)', perSecond.toFixed(0), '≥ 5000', `${(perSecond / 5000).toFixed(2)}×`);
const tail = at(0.99) / at(0.5);
row('p99 / p50', `${tail.toFixed(2)}×`, `≤ ${TAIL_TARGET}×`, `${(tail / TAIL_TARGET).toFixed(2)}×`);
console.log(`\n(${handedOn / (WARMUP + RUNS)} of ${GROUP} alerts handed on per group; the rest were repeats)`);

// What the tail is made of: the GCs that paused the measured runs.
const overlapping = (run: Run) => gcs.filter((gc) => gc.start < run.end && gc.end > run.start);
const paused = runs.filter((run) => overlapping(run).length > 0);
const clean = runs.filter((run) => overlapping(run).length === 0);
const scavenged = paused.filter((run) => overlapping(run).every((gc) => gc.minor));
const measured = gcs.filter((gc) => gc.end > (runs[0]?.start ?? 0) && gc.start < (runs.at(-1)?.end ?? 0));
const pauses = (minor: boolean) => measured.filter((gc) => gc.minor === minor).map((gc) => gc.end - gc.start);
const max = (values: readonly number[]) => (values.length === 0 ? NaN : Math.max(...values));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const ms = (value: number) => (Number.isNaN(value) ? '–' : `${value.toFixed(2)} ms`);
const cleanMs = clean.map((run) => run.ms);
const pausedMs = paused.map((run) => run.ms);
const promoted = scavenged.map((run) => run.oldGrowth);
const allocated = quantile(
  clean.map((run) => run.heapGrowth),
  0.5,
);
const heap = getHeapStatistics();
const explain = (name: string, value: string) => console.log(`| ${name.padEnd(42)} | ${value.padStart(36)} |`);
console.log('\n| what explains the tail                     |                                value |');
console.log('| ------------------------------------------ | ------------------------------------ |');
explain('runs a GC paused', `${paused.length} of ${runs.length}`);
for (const [name, minor] of [['scavenges', true] as const, ['other GCs', false] as const]) {
  const list = pauses(minor);
  explain(`${name}: count, p50, max pause`, `${list.length}, ${ms(quantile(list, 0.5))}, ${ms(max(list))}`);
}
explain('runs no GC paused: p50, p99', `${ms(quantile(cleanMs, 0.5))}, ${ms(quantile(cleanMs, 0.99))}`);
explain('runs a GC paused: p50, max', `${ms(quantile(pausedMs, 0.5))}, ${ms(max(pausedMs))}`);
explain('allocated per group (runs no GC paused)', mib(allocated));
explain('old space growth over a scavenge: p50, max', `${mib(quantile(promoted, 0.5))}, ${mib(max(promoted))}`);
explain('heap at the end: used, total', `${mib(heap.used_heap_size)}, ${mib(heap.total_heap_size)}`);
