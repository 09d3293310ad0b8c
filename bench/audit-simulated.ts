// The packaged audit function against simulated clusters (bench/simulated-cluster.ts), one
// scheduled run at each size: wall time, peak RSS, findings stored against the Deployments the
// simulation broke, and what it read. Run again with V8's young generation held small
// (`--max-semi-space-size`), which shows how much of the peak is the garbage collector's nursery
// rather than what the audit keeps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { loopbackKubeconfig } from '../tests/helpers/loopback.ts';

import { auditFunction, printTable } from './audit-support.ts';
import { startSimulatedCluster } from './simulated-cluster.ts';

/** MiB, for the second run at each size. */
const SEMI_SPACE_MIB = 4;

export async function simulatedCurve(sizes: readonly number[]): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'kubemend-bench-audit-simulated-'));
  const cluster = await startSimulatedCluster(sizes[0] ?? 0);
  const kubeconfig = join(scratch, 'kubeconfig');
  writeFileSync(kubeconfig, loopbackKubeconfig(cluster.url, 'detector'));
  const fn = await auditFunction(scratch, kubeconfig, 'detector');
  const rows: string[][] = [];
  try {
    for (const pods of sizes) {
      cluster.resize(pods);
      const run = await fn.run(pods * 2);
      const read = cluster.served();
      const nursery = await fn.run(pods * 2, `--max-semi-space-size=${SEMI_SPACE_MIB}`);
      if (run.findings !== cluster.broken || nursery.findings !== cluster.broken) {
        throw new Error(`${pods} pods: ${run.findings} and ${nursery.findings} findings, ${cluster.broken} broken`);
      }
      rows.push([
        pods.toLocaleString('en'),
        `${cluster.deployments.toLocaleString('en')} / ${cluster.nodes.toLocaleString('en')}`,
        `${run.ms.toFixed(0)} ms`,
        `${((run.ms / pods) * 1000).toFixed(0)} ms`,
        `${run.peakMiB.toFixed(0)} MiB`,
        `${nursery.peakMiB.toFixed(0)} MiB`,
        `${run.findings} of ${cluster.broken}`,
        `${read.requests} requests, ${(read.bytes / 2 ** 20).toFixed(0)} MiB`,
      ]);
    }
  } finally {
    await fn.close();
    await cluster.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(
    `\nthe packaged audit function against simulated clusters (one scheduled run each; ${cpus().length} cores, ${cpus()[0]?.model.trim() ?? '?'}, Node ${process.version}):\n`,
  );
  printTable(
    [
      'pods',
      'Deployments / nodes',
      'wall time',
      'per 1,000 pods',
      'peak RSS',
      `semi-space ≤ ${SEMI_SPACE_MIB} MiB: peak RSS`,
      'findings of broken Deployments',
      'read (one run)',
    ],
    rows,
    7,
  );
}
