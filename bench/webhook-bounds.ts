// What one webhook request costs at the receiver's limits: the time, heap and RSS of validating
// the largest valid body the HTTP server takes (5 MiB) and of bodies built to amplify work (100,000
// or 5,000 empty alerts), each against a baseline run in the same process (the one-alert sample),
// with the length of the answer. Run with the GC exposed so that each case starts from a
// collected heap:
//
//   npm run bench:webhook-bounds
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseWebhook } from '../lib/alert/schema.ts';
import { MAX_BODY_BYTES } from '../lib/http/responses.ts';

const sample = readFileSync(join(import.meta.dirname, '../tests/fixtures/alerts/crashlooping-single.json'), 'utf8');
const template = JSON.parse(sample) as { alerts: Record<string, unknown>[] } & Record<string, unknown>;
const alert = template.alerts[0]!;

/** `count` valid alerts whose descriptions pad the body to just under the HTTP server's limit. */
function largestValid(count: number): string {
  const skeleton = JSON.stringify({ ...template, alerts: [] }).length;
  const perAlert = Math.floor((MAX_BODY_BYTES - skeleton) / count);
  const bare = JSON.stringify({ ...alert, fingerprint: 'f0000', annotations: { description: '' } }).length + 1;
  const pad = 'd'.repeat(Math.max(0, perAlert - bare - 8));
  return JSON.stringify({
    ...template,
    alerts: Array.from({ length: count }, (_, i) => ({
      ...alert,
      fingerprint: `f${i.toString().padStart(4, '0')}`,
      annotations: { description: pad },
    })),
  });
}

function measure(body: string): { ms: number; heapMiB: number; rssMiB: number; answer: string } {
  globalThis.gc?.();
  const before = process.memoryUsage();
  const started = performance.now();
  let answer = '202';
  try {
    parseWebhook(body);
  } catch (error) {
    answer = `400, ${(error as Error).message.length} characters`;
  }
  const ms = performance.now() - started;
  const after = process.memoryUsage();
  return {
    ms,
    heapMiB: (after.heapUsed - before.heapUsed) / 2 ** 20,
    rssMiB: (after.rss - before.rss) / 2 ** 20,
    answer,
  };
}

if (globalThis.gc === undefined) console.log('(run with --expose-gc for heap figures from a collected heap)');
const baseline = measure(sample);
const cases: [string, string][] = [
  ['5,000 valid alerts, just under 5 MiB', largestValid(5_000)],
  ['100,000 empty alerts', JSON.stringify({ ...template, alerts: Array.from({ length: 100_000 }, () => ({})) })],
  [
    '5,000 empty alerts (the most checked one by one)',
    JSON.stringify({ ...template, alerts: Array.from({ length: 5_000 }, () => ({})) }),
  ],
];
console.log(
  `baseline (the one-alert sample): ${baseline.ms.toFixed(2)} ms, heap +${baseline.heapMiB.toFixed(2)} MiB, answer ${baseline.answer}`,
);
for (const [name, body] of cases) {
  const run = measure(body);
  console.log(
    `${name}: body ${(body.length / 2 ** 20).toFixed(2)} MiB, ${run.ms.toFixed(0)} ms (${(run.ms / baseline.ms).toFixed(0)}× baseline), heap +${run.heapMiB.toFixed(1)} MiB, RSS +${run.rssMiB.toFixed(1)} MiB, answer ${run.answer}`,
  );
}
