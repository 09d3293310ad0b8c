// Seeds a fresh test control plane with one instance of each problem k8sgpt's pod, deployment,
// statefulset, replicaset, job, cronjob, PVC, node, HPA and PDB analyzers report, then runs
// `k8sgpt analyze --output json` (built pinned by scripts/testenv/k8sgpt.sh; no AI backend) and
// `kubemend audit --output json` against the same cluster in the same run, and prints a
// side-by-side table: every problem k8sgpt reports, and whether and how kubemend reports it.
//
//   npm run bench:audit
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { seedBrokenWorkloads } from '../tests/testenv/broken-workloads.ts';
import { applyShippedRbac } from '../tests/testenv/cluster.ts';
import { startControlPlane } from '../tests/testenv/control-plane.ts';
import { killStale, provision } from '../tests/testenv/processes.ts';
import { bundleCli, k8sgptVersion, match, printTable, runK8sgpt, runKubemendAudit } from './audit-support.ts';

const k8sgpt = provision('k8sgpt.sh');
killStale();
const controlPlane = await startControlPlane();
const scratch = mkdtempSync(join(tmpdir(), 'kubemend-bench-audit-'));
const cli = await bundleCli(scratch);
try {
  process.env.KUBEMEND_TEST_KUBECONFIG = controlPlane.kubeconfig;
  await applyShippedRbac();
  const seeded = await seedBrokenWorkloads();
  const seededNamespaces = new Set(seeded.map((s) => s.namespace));

  const theirs = await runK8sgpt(scratch, k8sgpt, controlPlane.kubeconfig, 'admin');
  const ours = await runKubemendAudit(scratch, cli, controlPlane.kubeconfig);
  const results = theirs.results.filter(
    (result) => seededNamespaces.has(result.name.split('/')[0] ?? '') || !result.name.includes('/'),
  );
  const findings = ours.findings;

  const rows = results.map((result) => {
    const matched = match(result, findings);
    return [
      result.kind,
      result.name,
      (result.error ?? []).map((e) => e.Text).join('; '),
      matched.length === 0 ? 'NOT FOUND' : matched.map((f) => `${f.anomaly}: ${f.summary}`).join('; '),
    ];
  });
  const missed = rows.filter((row) => row[3] === 'NOT FOUND').length;
  const onlyOurs = seeded.filter(
    ({ namespace, refused }) =>
      refused === undefined &&
      !results.some((r) => r.name.startsWith(`${namespace}/`)) &&
      findings.some((f) => f.namespace === namespace),
  );
  printTable(['k8sgpt analyzer', 'object', 'k8sgpt says', 'kubemend says'], rows);
  console.log('');
  for (const { scenario, namespace } of onlyOurs) {
    const finding = findings.find((f) => f.namespace === namespace)!;
    console.log(
      `only kubemend: ${scenario.check} (${namespace}) — ${finding.anomaly}: ${finding.summary.slice(0, 140)}`,
    );
  }
  for (const { scenario, refused } of seeded.filter((s) => s.refused !== undefined)) {
    console.log(`not seeded: ${scenario.check} — ${refused}`);
  }
  console.log(
    `\nk8sgpt ${await k8sgptVersion(scratch, k8sgpt)}: ${results.length} problems in the seeded namespaces and on nodes, ${theirs.ms.toFixed(0)} ms` +
      `\nkubemend audit: ${results.length - missed} of those ${results.length} found, ${findings.length} findings in all, ${ours.ms.toFixed(0)} ms (${(ours.ms / theirs.ms).toFixed(2)}× k8sgpt's time)` +
      `\nKubernetes ${controlPlane.version}, ${seeded.length} seeded problems`,
  );
  if (missed > 0) process.exitCode = 1;
} finally {
  await controlPlane.stop();
  rmSync(scratch, { recursive: true, force: true });
}
