// Seeds a fresh test control plane with one instance of each problem k8sgpt's pod, deployment,
// statefulset, replicaset, job, cronjob, PVC, node, HPA and PDB analyzers report, runs kubemend's
// audit against it, and prints a side-by-side table with the audit's time and memory.
//
// k8sgpt itself is not run: its module (github.com/k8sgpt-ai/k8sgpt) is not served by the Go
// module proxy this project builds from (`go list -m -versions github.com/k8sgpt-ai/k8sgpt` →
// 403 "This module version is not available"), and nothing else may be downloaded. Its checks
// were read from its analyzers' source (pkg/analyzer/*.go) and are seeded here instead.
//
//   npm run bench:audit
import { scanCluster } from '../lib/audit/scan.ts';
import { seedBrokenWorkloads } from '../tests/testenv/broken-workloads.ts';
import { applyShippedRbac, kubeApiFor } from '../tests/testenv/cluster.ts';
import { startControlPlane } from '../tests/testenv/control-plane.ts';
import { killStale } from '../tests/testenv/processes.ts';

killStale();
const controlPlane = await startControlPlane();
try {
  process.env.KUBEMEND_TEST_KUBECONFIG = controlPlane.kubeconfig;
  await applyShippedRbac();
  const seeded = await seedBrokenWorkloads();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const findings = await scanCluster(kubeApiFor('detector'), { now: new Date() });
  const elapsed = performance.now() - started;
  const heap = (process.memoryUsage().heapUsed - before) / 1024 / 1024;

  const rows = seeded.map(({ scenario, namespace, refused }) => {
    const finding = refused === undefined ? scenario.found(findings, namespace) : undefined;
    const kubemend = refused ?? (finding === undefined ? 'NOT FOUND' : `${finding.anomaly}: ${finding.summary}`);
    return [
      scenario.analyzer,
      scenario.check,
      refused === undefined ? (finding === undefined ? 'no' : 'yes') : 'n/a',
      kubemend,
    ];
  });
  const header = ['k8sgpt analyzer', 'what it checks', 'kubemend finds it', 'kubemend says'];
  const widths = header.map((title, column) =>
    column === header.length - 1 ? 0 : Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(header.map((_, column) => '-'.repeat(Math.max(3, widths[column] ?? 3)))));
  rows.forEach((row) => console.log(line(row.map((cell) => cell.replace(/\|/g, '\\|').slice(0, 160)))));
  const applicable = rows.filter((row) => row[2] !== 'n/a');
  console.log(
    `\nkubemend audit: ${applicable.filter((row) => row[2] === 'yes').length} of ${applicable.length} seeded problems found (${rows.length - applicable.length} refused by the API server); ${findings.length} findings in ${elapsed.toFixed(0)} ms, heap +${heap.toFixed(1)} MiB, Kubernetes ${controlPlane.version}`,
  );
} finally {
  await controlPlane.stop();
}
