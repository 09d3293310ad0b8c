// kubemend's audit beside k8sgpt as a cluster grows to 100 simulated nodes, 10,000 pods and 2,000
// Deployments (kwok plays the kubelets; the real controller manager and scheduler create and bind
// the pods). At each size both run against the same cluster in the same run: wall time, peak RSS
// (GNU time), API requests (the API server's audit log, per identity), problems found. About 1%
// of the Deployments crash loop and 1% cannot pull their image, plus the seeded problems of
// `npm run bench:audit`.
//
// First, the packaged audit function against a simulated cluster of 10,000 to 100,000 pods (a
// loopback API server generating its pages, bench/simulated-cluster.ts): the growth curve of
// time and peak RSS past what kwok holds here.
//
//   npm run bench:audit-scale                        (simulated 10k–100k, then kwok 1k, 2.5k, 5k, 10k; about 17 minutes)
//   npm run bench:audit-scale -- 1000                (kwok sizes of your choice)
//   npm run bench:audit-scale -- --simulated-only    (the simulated curve alone; about a minute)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_MAX_PER_KIND } from '../lib/audit/scan.ts';
import { seedBrokenWorkloads } from '../tests/testenv/broken-workloads.ts';
import { admin, applyShippedRbac, applyYaml, createDeployment, until } from '../tests/testenv/cluster.ts';
import { startControlPlane } from '../tests/testenv/control-plane.ts';
import { killStale, provision } from '../tests/testenv/processes.ts';
import { simulatedCurve } from './audit-simulated.ts';
import {
  auditFunction,
  bundleCli,
  k8sgptVersion,
  match,
  printTable,
  runK8sgpt,
  runKubemendAudit,
} from './audit-support.ts';

const SIZES = process.argv.slice(2).map(Number).filter(Number.isFinite);
const PODS = SIZES.length > 0 ? SIZES : [1_000, 2_500, 5_000, 10_000];
const SIMULATED = [10_000, 25_000, 50_000, 100_000];

await simulatedCurve(SIMULATED);
if (process.argv.includes('--simulated-only')) process.exit(0);
const NODES = 100;
const NAMESPACES = 20;
const REPLICAS = 5;
/** k8sgpt runs as its own user so that its requests can be told from everyone else's. */
const K8SGPT_USER = 'nobody';
const KUBEMEND_USER = 'kubemend-detector';
/** V8's old-space cap for the second kubemend run (MiB). */
const HEAP_CAP_MIB = 128;

const k8sgpt = provision('k8sgpt.sh');
killStale();
const controlPlane = await startControlPlane({ audit: { users: [K8SGPT_USER, KUBEMEND_USER] }, fast: true });
const scratch = mkdtempSync(join(tmpdir(), 'kubemend-bench-audit-scale-'));
const cli = await bundleCli(scratch);
const auditLog = join(controlPlane.workDir, 'audit.log');
/** Requests per user in the audit log since `from` lines. */
const requests = (from: number) => {
  const lines = readFileSync(auditLog, 'utf8').split('\n').slice(from).filter(Boolean);
  const by = (user: string) => lines.filter((line) => line.includes(`"username":"${user}"`)).length;
  return { k8sgpt: by(K8SGPT_USER), kubemend: by(KUBEMEND_USER), lines: from + lines.length };
};

try {
  process.env.KUBEMEND_TEST_KUBECONFIG = controlPlane.kubeconfig;
  await applyShippedRbac();
  await applyYaml(
    [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: { name: bench-read-all }',
      'rules: [{ apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch] }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: { name: bench-k8sgpt }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: bench-read-all }',
      `subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: ${K8SGPT_USER} }]`,
    ].join('\n'),
  );
  const { core } = admin();
  for (let index = 1; index < NODES; index += 1) {
    await core.createNode({
      body: {
        metadata: {
          name: `kwok-node-${index}`,
          labels: { 'kubernetes.io/hostname': `kwok-node-${index}`, type: 'kwok' },
        },
        spec: {},
      },
    });
  }
  await until(
    `${NODES} Ready nodes`,
    () => core.listNode(),
    (list) =>
      list.items.filter((node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        .length === NODES,
    120_000,
  );
  const seeded = await seedBrokenWorkloads();
  for (let index = 0; index < NAMESPACES; index += 1) {
    await core.createNamespace({ body: { metadata: { name: `scale-${index}` } } });
  }
  await until(
    'default service accounts in the scale namespaces',
    () => core.listServiceAccountForAllNamespaces({ fieldSelector: 'metadata.name=default' }),
    (list) => list.items.filter((a) => a.metadata?.namespace?.startsWith('scale-')).length === NAMESPACES,
  );

  const fn = await auditFunction(scratch, controlPlane.kubeconfig, 'detector');
  const rows: string[][] = [];
  const fnRows: string[][] = [];
  let deployments = 0;
  for (const pods of PODS) {
    const started = Date.now();
    for (; deployments * REPLICAS < pods; deployments += 1) {
      // One in a hundred crash loops, one in a hundred cannot pull its image.
      const labels: Record<string, string> =
        deployments % 100 === 7
          ? { 'kubemend.test/crash-loop': 'true' }
          : deployments % 100 === 57
            ? { 'kubemend.test/waiting-reason': 'ImagePullBackOff' }
            : {};
      await createDeployment(`scale-${deployments % NAMESPACES}`, `svc-${deployments}`, {
        replicas: REPLICAS,
        labels,
        annotations: { 'kubemend.test/exit-code': '1', 'kubemend.test/waiting-message': 'pull access denied' },
      });
    }
    // Settled: every healthy Deployment fully available, and every pod of the broken ones
    // reported by its kubelet; then a quiet spell for kwok's and the controllers' last writes.
    const broken = (index: number) => index % 100 === 7 || index % 100 === 57;
    const healthy = Array.from({ length: deployments }, (_, index) => index).filter((index) => !broken(index)).length;
    await until(
      `${healthy} healthy Deployments available`,
      async () => {
        let available = 0;
        for (let index = 0; index < NAMESPACES; index += 1) {
          const list = await admin().apps.listNamespacedDeployment({ namespace: `scale-${index}` });
          available += list.items.filter(
            (d) => !broken(Number(d.metadata?.name?.slice(4))) && d.status?.availableReplicas === REPLICAS,
          ).length;
        }
        return available;
      },
      (available) => available === healthy,
      30 * 60_000,
    );
    const settled = await until(
      `${pods} pods bound and reported`,
      async () => {
        let count = 0;
        let next: string | undefined;
        do {
          const page = await core.listPodForAllNamespaces({ limit: 2000, _continue: next });
          count += page.items.filter(
            (pod) =>
              pod.metadata?.namespace?.startsWith('scale-') === true &&
              pod.spec?.nodeName !== undefined &&
              pod.status?.containerStatuses !== undefined,
          ).length;
          next = page.metadata?._continue || undefined;
        } while (next !== undefined);
        return count;
      },
      (count) => count >= pods,
      30 * 60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const seededFor = ((Date.now() - started) / 1000).toFixed(0);

    const mark = requests(0).lines;
    const theirs = await runK8sgpt(scratch, k8sgpt, controlPlane.kubeconfig, K8SGPT_USER);
    const afterTheirs = requests(mark);
    const ours = await runKubemendAudit(scratch, cli, controlPlane.kubeconfig, ['--max-per-kind=50000']);
    const afterOurs = requests(afterTheirs.lines);
    // Again with V8's heap capped, as in a small Lambda: does the live set fit, and how large does
    // the process grow when the garbage collector may not let the heap run ahead?
    const capped = await runKubemendAudit(scratch, cli, controlPlane.kubeconfig, ['--max-per-kind=50000'], {
      NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}`,
    });
    const missed = theirs.results.filter((result) => match(result, ours.findings).length === 0);
    // The packaged audit function, as the schedule runs it: reading at most 5,000 objects of a
    // kind (cut short at 10,000 pods), with its default bound, and with its default and the heap capped.
    const fnDefault = await fn.run(5000);
    const fnAll = await fn.run(DEFAULT_MAX_PER_KIND);
    const fnCapped = await fn.run(DEFAULT_MAX_PER_KIND, `--max-old-space-size=${HEAP_CAP_MIB}`);
    fnRows.push([
      String(settled),
      ...[fnDefault, fnAll, fnCapped].map((r) => `${r.ms.toFixed(0)} ms, ${r.peakMiB.toFixed(0)} MiB, ${r.findings}`),
    ]);
    rows.push([
      String(settled),
      String(deployments),
      `${theirs.ms.toFixed(0)} ms`,
      `${ours.ms.toFixed(0)} ms`,
      (ours.ms / theirs.ms).toFixed(2),
      `${theirs.peakMiB.toFixed(0)} MiB`,
      `${ours.peakMiB.toFixed(0)} MiB`,
      `${capped.peakMiB.toFixed(0)} MiB, ${capped.ms.toFixed(0)} ms`,
      String(afterTheirs.k8sgpt),
      String(afterOurs.kubemend),
      `${theirs.results.length - missed.length} of ${theirs.results.length}`,
      String(ours.findings.length),
    ]);
    console.log(`seeded ${settled} pods in ${deployments} Deployments (${seededFor} s); measured`);
    for (const result of missed.slice(0, 5)) {
      console.log(
        `  k8sgpt only: ${result.kind} ${result.name}: ${(result.error ?? []).map((e) => e.Text).join('; ')}`,
      );
    }
  }
  console.log('');
  printTable(
    [
      'pods',
      'Deployments',
      'k8sgpt time',
      'kubemend time',
      'kubemend ÷ k8sgpt',
      'k8sgpt peak RSS',
      'kubemend peak RSS',
      `heap ≤ ${HEAP_CAP_MIB} MiB: RSS, time`,
      'k8sgpt requests',
      'kubemend requests',
      "k8sgpt's problems kubemend found",
      'kubemend findings',
    ],
    rows,
    12,
  );
  console.log('\nthe packaged audit function (one scheduled run: wall time, peak RSS, findings stored):\n');
  printTable(
    ['pods', '≤ 5,000 per kind', `default (≤ ${DEFAULT_MAX_PER_KIND} per kind)`, `default, heap ≤ ${HEAP_CAP_MIB} MiB`],
    fnRows,
    4,
  );
  console.log(
    `\nk8sgpt ${await k8sgptVersion(scratch, k8sgpt)}, Kubernetes ${controlPlane.version}, ${NODES} kwok nodes, ` +
      `${seeded.length} seeded problems; ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}`,
  );
  await fn.close();
} finally {
  await controlPlane.stop();
  rmSync(scratch, { recursive: true, force: true });
}
