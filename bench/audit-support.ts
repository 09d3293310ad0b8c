// What the audit benchmarks share: running k8sgpt and `kubemend audit` on one cluster, measuring
// each run (wall time, peak RSS from GNU time), and matching k8sgpt's problems to kubemend's findings.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse, stringify } from 'yaml';

import { build } from 'esbuild';

import { plugins } from '../scripts/esbuild-plugins.ts';
import { startFakeAws, writeLambdaHarness, type FakeAws } from '../tests/helpers/loopback.ts';

import type { AuditReport } from '../lib/audit/findings-store.ts';
import type { Finding } from '../lib/audit/finding.ts';

/** k8sgpt's analyzers for the kinds kubemend audits. */
export const ANALYZERS = [
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

export interface K8sgptResult {
  kind: string;
  name: string;
  error: { Text: string }[] | null;
  parentObject?: string;
}

export interface Measured {
  stdout: string;
  ms: number;
  /** Peak resident set size of the process, in MiB (GNU time's maximum RSS). */
  peakMiB: number;
}

const ROOT = join(import.meta.dirname, '..');

/**
 * The CLI bundled the way the Lambda functions are (serverless.yml custom.esbuild: one minified
 * ESM file, built-ins behind require()), so that time and memory are those of shipped code, not
 * of Node stripping TypeScript types from hundreds of source files at start-up.
 */
export async function bundleCli(scratch: string): Promise<string> {
  const outfile = join(scratch, 'kubemend.mjs');
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  await build({
    entryPoints: [join(ROOT, 'bin', 'kubemend.ts')],
    outfile,
    bundle: true,
    minify: true,
    keepNames: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    define: { KUBEMEND_BUILD_VERSION: JSON.stringify(version), KUBEMEND_BUILD_COMMIT: '""' },
    plugins,
    logLevel: 'error',
  });
  return outfile;
}

/** Runs `command` under GNU time in `scratch` (its own XDG dirs): output, wall time, peak RSS. */
export async function measure(
  scratch: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<Measured> {
  const report = join(scratch, 'time.txt');
  const started = performance.now();
  // Asynchronously: the loopback stand-ins the command may call live in this process.
  const child = spawn('/usr/bin/time', ['-v', '-o', report, command, ...args], {
    cwd,
    env: {
      ...process.env,
      ...env,
      XDG_CONFIG_HOME: join(scratch, 'xdg-config'),
      XDG_CACHE_HOME: join(scratch, 'xdg-cache'),
    },
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const ms = performance.now() - started;
  if (status !== 0) {
    const tail = Buffer.concat(stderr).toString('utf8').slice(-2000);
    throw new Error(`${command} ${args.join(' ')} exited ${status}: ${tail}`);
  }
  const kib = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(report, 'utf8'))?.[1];
  if (kib === undefined) throw new Error(`no maximum RSS in GNU time's report for ${command}`);
  return { stdout: Buffer.concat(stdout).toString('utf8'), ms, peakMiB: Number(kib) / 1024 };
}

/** `k8sgpt analyze` with the analyzers above, no AI backend, no cache. */
export async function runK8sgpt(
  scratch: string,
  k8sgpt: string,
  kubeconfig: string,
  context: string,
): Promise<Measured & { results: K8sgptResult[] }> {
  const run = await measure(scratch, k8sgpt, [
    'analyze',
    '--output=json',
    '--no-cache',
    `--filter=${ANALYZERS.join(',')}`,
    `--kubeconfig=${kubeconfig}`,
    `--kubecontext=${context}`,
    `--config=${join(scratch, 'k8sgpt.yaml')}`,
  ]);
  return { ...run, results: (JSON.parse(run.stdout) as { results: K8sgptResult[] | null }).results ?? [] };
}

/** `kubemend audit --output json` from `cli` (bundleCli) as the detector identity, with the shipped config. */
export async function runKubemendAudit(
  scratch: string,
  cli: string,
  kubeconfig: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<Measured & { findings: Finding[] }> {
  const run = await measure(
    scratch,
    process.execPath,
    [
      cli,
      'audit',
      '--output=json',
      '--context=detector',
      `--data-dir=${join(scratch, 'kubemend')}`,
      `--config=${join(ROOT, 'config', 'agent_config.yaml')}`,
      ...extra,
    ],
    { KUBECONFIG: kubeconfig, ...env },
  );
  const report = JSON.parse(run.stdout) as AuditReport;
  return { ...run, findings: [...report.new, ...report.open] };
}

export async function k8sgptVersion(scratch: string, binary: string): Promise<string> {
  return /v\d+\.\d+\.\d+/.exec((await measure(scratch, binary, ['version'])).stdout)?.[0] ?? '?';
}

/**
 * The kubemend finding that reports the same problem: same namespace, and the same object, else
 * its owner (a pod's Deployment), else one whose evidence names it.
 */
export function match(result: K8sgptResult, findings: readonly Finding[]): Finding[] {
  const [namespace, name = ''] = result.name.includes('/') ? result.name.split('/') : [undefined, result.name];
  const parent = result.parentObject?.split('/').pop();
  const inNamespace = findings.filter((f) => f.namespace === namespace);
  const same = inNamespace.filter((f) => f.kind === result.kind && f.name === name);
  if (same.length > 0) return same;
  const owner = inNamespace.find((f) => f.name === name || f.name === parent || name.startsWith(`${f.name}-`));
  const named = inNamespace.find((f) => f.evidence.some((e) => e.message.includes(name)));
  return [owner ?? named].filter((f) => f !== undefined);
}

/** A Markdown table; the last two columns are not padded (long free text). */
export function printTable(header: string[], rows: string[][], padded = header.length - 2): void {
  const widths = header.map((title, column) =>
    column >= padded ? 0 : Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(header.map((_, column) => '-'.repeat(Math.max(3, widths[column] ?? 3)))));
  rows.forEach((row) => console.log(line(row.map((cell) => cell.replace(/\|/g, '\\|').slice(0, 140)))));
}

/**
 * The packaged `audit` function (scripts/package.sh), run as Lambda would run it once, against
 * a real cluster through a kubeconfig, with DynamoDB played by a loopback stand-in: what the
 * scheduled audit costs in time and memory, bundled as shipped.
 */
export async function auditFunction(scratch: string, kubeconfig: string, context: string) {
  execFileSync('bash', [join(ROOT, 'scripts', 'package.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = join(scratch, 'audit-function');
  execFileSync('python3', ['-m', 'zipfile', '-e', join(ROOT, '.serverless', 'audit.zip'), dir]);
  const harness = writeLambdaHarness(scratch);
  const aws: FakeAws = await startFakeAws();
  // Only the detector's identity, as the function's own kubeconfig would hold.
  const config = parse(readFileSync(kubeconfig, 'utf8')) as Record<string, unknown>;
  const only = join(scratch, 'detector.kubeconfig');
  writeFileSync(only, stringify({ ...config, 'current-context': context }));
  // The dev stage's config with the cluster registered, as a deployment must register it (a
  // function has no kubeconfig context to fall back on).
  const agentConfig = join(scratch, 'agent_config.yaml');
  const dev = parse(readFileSync(join(ROOT, 'config/stages/dev/agent_config.yaml'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    agentConfig,
    stringify({ ...dev, clusters: [{ name: 'bench', kubeconfig: { context } }], defaultCluster: 'bench' }),
  );
  const event = join(scratch, 'audit-event.json');
  writeFileSync(event, JSON.stringify({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }));
  const env = {
    HOME: scratch,
    KUBECONFIG: only,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: aws.url,
    KUBEMEND_LOG_LEVEL: 'warn',
    KUBEMEND_TABLE_NAME: 'kubemend-bench',
    KUBEMEND_CONFIG_PATH: agentConfig,
    KUBEMEND_MODEL_CONFIG_PATH: 'config/stages/dev/model_config.yaml',
    KUBEMEND_RETENTION_DAYS: '90',
    KUBEMEND_LEASE_SECONDS: '300',
    KUBEMEND_KUBE_TIMEOUT_SECONDS: '30',
  };
  return {
    /** One scheduled run reading up to `maxPerKind` objects of a kind; `nodeOptions` e.g. a heap cap. */
    run: async (maxPerKind: number, nodeOptions = ''): Promise<Measured & { findings: number }> => {
      aws.items = new Map();
      const run = await measure(
        scratch,
        process.execPath,
        [...(nodeOptions === '' ? [] : [nodeOptions]), harness, join(dir, 'functions', 'audit.mjs'), event],
        { ...env, KUBEMEND_AUDIT_MAX_PER_KIND: String(maxPerKind) },
        dir,
      );
      const answer = JSON.parse(/@answer (.*)/.exec(run.stdout)?.[1] ?? 'null') as { clusters?: number } | null;
      if (answer?.clusters !== 1) throw new Error(`the audit function answered ${JSON.stringify(answer)}`);
      const findings = [...aws.items.keys()].filter((key) => key.includes('|FINDING#')).length;
      return { ...run, findings };
    },
    close: () => aws.close(),
  };
}
