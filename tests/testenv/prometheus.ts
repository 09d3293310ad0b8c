import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, startProcess, stopProcesses, waitFor } from './processes.ts';

/** One series to backfill: a metric, its labels, and samples `[unixSeconds, value]`, oldest first. */
export interface BackfillSeries {
  metric: string;
  labels: Record<string, string>;
  samples: readonly (readonly [number, number])[];
}

export interface TestPrometheus {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (the Debian package scripts/testenv provisions) on loopback, its TSDB
 * backfilled with `series` through `promtool tsdb create-blocks-from openmetrics`, as an operator
 * would load history. It scrapes nothing.
 */
export async function startPrometheus(series: readonly BackfillSeries[]): Promise<TestPrometheus> {
  const binDir = process.env.KUBEMEND_TEST_BIN_DIR ?? '/usr/bin';
  const workDir = mkdtempSync(join(tmpdir(), 'kubemend-prometheus-'));
  const data = join(workDir, 'data');
  const input = join(workDir, 'backfill.om');
  writeFileSync(input, openMetrics(series));
  execFileSync(join(binDir, 'promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', input, data], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const config = join(workDir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prometheus = startProcess(
    'prometheus',
    join(binDir, 'prometheus'),
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${data}`,
      '--storage.tsdb.retention.time=90d',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    workDir,
  );
  await waitFor(prometheus, async () => (await fetch(`${url}/-/ready`)).ok, 30_000);
  return {
    url,
    stop: async () => {
      await stopProcesses([prometheus]);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function openMetrics(series: readonly BackfillSeries[]): string {
  const byMetric = new Map<string, BackfillSeries[]>();
  for (const s of series) byMetric.set(s.metric, [...(byMetric.get(s.metric) ?? []), s]);
  const lines: string[] = [];
  for (const [metric, members] of byMetric) {
    lines.push(`# TYPE ${metric} gauge`);
    for (const member of members) {
      const labels = Object.entries(member.labels)
        .map(([key, value]) => `${key}="${value}"`)
        .join(',');
      for (const [time, value] of member.samples) lines.push(`${metric}{${labels}} ${value} ${time}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}
