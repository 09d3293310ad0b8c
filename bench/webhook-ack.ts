// How fast the receiver acknowledges Alertmanager: parse, validate, dedupe and hand on one
// 500-alert group, in process on one core, repeated; p50/p99 latency and alerts per second against
// the targets (p99 ≤ 20 ms, ≥ 5,000 alerts/s). The queue is in memory, so this measures kubemend's
// own work, not SQS.
//
//   npm run bench:webhook
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

import type { AlertMessage } from '../lib/pipeline/messages.ts';
import type { Queue } from '../lib/queue/queue.ts';
import { receiveWebhook } from '../lib/receiver/receive.ts';

const GROUP = 500;
const RUNS = 300;
const WARMUP = 30;

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

const timings: number[] = [];
for (let run = 0; run < WARMUP + RUNS; run += 1) {
  const started = performance.now();
  await receiveWebhook(body, { alerts: queue, clock });
  if (run >= WARMUP) timings.push(performance.now() - started);
}
timings.sort((a, b) => a - b);
const at = (q: number) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))]!;
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
console.log(`\n(${handedOn / (WARMUP + RUNS)} of ${GROUP} alerts handed on per group; the rest were repeats)`);
