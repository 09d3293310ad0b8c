// Seeds a fresh test control plane with one instance of each problem k8sgpt's pod, deployment,
// statefulset, replicaset, job, cronjob, PVC, node, HPA and PDB analyzers report, then runs
// `k8sgpt analyze --output json` (built pinned by scripts/testenv/k8sgpt.sh; no AI backend) and
// `kubemend audit --output json` against the same cluster in the same run, and prints a
// side-by-side table: every problem k8sgpt reports, and whether and how kubemend reports it.
//
//   npm run bench:audit
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Finding } from '../lib/audit/scan.ts';
import type { AuditReport } from '../lib/audit/findings-store.ts';
import { seedBrokenWorkloads } from '../tests/testenv/broken-workloads.ts';
import { applyShippedRbac } from '../tests/testenv/cluster.ts';
import { startControlPlane } from '../tests/testenv/control-plane.ts';
import { killStale, provision } from '../tests/testenv/processes.ts';

const ANALYZERS = [
  'Pod',
  'Deployment',
  'StatefulSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'PersistentVolumeClaim',
  'Node',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
];

interface K8sgptResult {
  kind: string;
  name: string;
  error: { Text: string }[] | null;
  parentObject?: string;
}

const k8sgpt = provision('k8sgpt.sh');
killStale();
const controlPlane = await startControlPlane();
const scratch = mkdtempSync(join(tmpdir(), 'kubemend-bench-audit-'));
try {
  process.env.KUBEMEND_TEST_KUBECONFIG = controlPlane.kubeconfig;
  await applyShippedRbac();
  const seeded = await seedBrokenWorkloads();
  const seededNamespaces = new Set(seeded.map((s) => s.namespace));

  const theirs = timed(() =>
    run(k8sgpt, [
      'analyze',
      '--output=json',
      '--no-cache',
      `--filter=${ANALYZERS.join(',')}`,
      `--kubeconfig=${controlPlane.kubeconfig}`,
      '--kubecontext=admin',
      `--config=${join(scratch, 'k8sgpt.yaml')}`,
    ]),
  );
  const ours = timed(() =>
    run(
      join(import.meta.dirname, '..', 'bin', 'kubemend'),
      [
        'audit',
        '--output=json',
        '--context=detector',
        `--data-dir=${join(scratch, 'kubemend')}`,
        `--config=${join(import.meta.dirname, '..', 'config', 'agent_config.yaml')}`,
      ],
      { KUBECONFIG: controlPlane.kubeconfig },
    ),
  );
  const results = ((JSON.parse(theirs.stdout) as { results: K8sgptResult[] | null }).results ?? []).filter(
    (result) => seededNamespaces.has(result.name.split('/')[0] ?? '') || !result.name.includes('/'),
  );
  const report = JSON.parse(ours.stdout) as AuditReport;
  const findings: Finding[] = [...report.new, ...report.open];

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
    `\nk8sgpt ${k8sgptVersion(k8sgpt)}: ${results.length} problems in the seeded namespaces and on nodes, ${theirs.ms.toFixed(0)} ms` +
      `\nkubemend audit: ${results.length - missed} of those ${results.length} found, ${findings.length} findings in all, ${ours.ms.toFixed(0)} ms (${(ours.ms / theirs.ms).toFixed(2)}× k8sgpt's time)` +
      `\nKubernetes ${controlPlane.version}, ${seeded.length} seeded problems`,
  );
  if (missed > 0) process.exitCode = 1;
} finally {
  await controlPlane.stop();
  rmSync(scratch, { recursive: true, force: true });
}

/**
 * The kubemend finding that reports the same problem: same namespace, and the same object, else
 * its owner (a pod's Deployment), else one whose evidence names it.
 */
function match(result: K8sgptResult, findings: readonly Finding[]): Finding[] {
  const [namespace, name = ''] = result.name.includes('/') ? result.name.split('/') : [undefined, result.name];
  const parent = result.parentObject?.split('/').pop();
  const inNamespace = findings.filter((f) => f.namespace === namespace);
  const same = inNamespace.filter((f) => f.kind === result.kind && f.name === name);
  if (same.length > 0) return same;
  const owner = inNamespace.find((f) => f.name === name || f.name === parent || name.startsWith(`${f.name}-`));
  const named = inNamespace.find((f) => f.evidence.some((e) => e.message.includes(name)));
  return [owner ?? named].filter((f) => f !== undefined);
}

function run(command: string, args: string[], env: Record<string, string> = {}): { stdout: string } {
  const child = spawnSync(command, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      ...env,
      XDG_CONFIG_HOME: join(scratch, 'xdg-config'),
      XDG_CACHE_HOME: join(scratch, 'xdg-cache'),
    },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return { stdout: child.stdout };
}

function timed<T>(work: () => T): T & { ms: number } {
  const started = performance.now();
  const result = work();
  return { ...result, ms: performance.now() - started };
}

function k8sgptVersion(binary: string): string {
  return /v\d+\.\d+\.\d+/.exec(run(binary, ['version']).stdout)?.[0] ?? '?';
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) =>
    column >= header.length - 2 ? 0 : Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(header.map((_, column) => '-'.repeat(Math.max(3, widths[column] ?? 3)))));
  rows.forEach((row) => console.log(line(row.map((cell) => cell.replace(/\|/g, '\\|').slice(0, 140)))));
}
