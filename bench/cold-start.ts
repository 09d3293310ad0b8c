// Cold start of each function bundle: its size (with the chunks it imports statically; chunks
// reached only through import() load when used and are not counted), the packages that make it
// up, the time a fresh Node process takes to import it (module initialisation included: config
// parsed, clients built), and the time to import it and handle one event against loopback services (the AWS JSON
// protocol and a Kubernetes API server, bench/loopback.ts), each as a ratio to a bare
// `node -e 0` on the same Node. Medians of several runs. Packages first (`npm run package`), so
// the bundles timed are the ones the metafile attribution describes.
//
// The events follow one alert through: the receiver takes the crash-loop webhook and queues it,
// the detector diagnoses that message (reads the pod, its ReplicaSet, Deployment and events, and
// queues a rollout-restart plan), the remediator dry-runs that plan, and the audit scans the
// fake cluster.
//
//   npm run bench:cold-start
//   npm run bench:cold-start -- --baseline <dir>   also times the zips of another build, in the same
//                                                  rounds (e.g. `cp -r .serverless /tmp/base` first)
//   npm run bench:cold-start -- --only detector --runs 21 --profile <dir>
//       --only: time these functions (the others still run once, for the events that follow);
//       --profile: a CPU profile of one import + event per function, into <dir>
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import * as esbuild from 'esbuild';
import { parse, stringify } from 'yaml';

import { parameterValue } from '../lib/config/parameter-value.ts';
import { backOffEvent, crashingPod, deployment, readFixture, replicaSet } from '../tests/helpers/fixtures.ts';
import { LAZY_PACKAGES, plugins } from '../scripts/esbuild-plugins.ts';
import { loopbackKubeconfig, startFakeAws, startFakeKube, writeLambdaHarness } from '../tests/helpers/loopback.ts';

const { values: options } = parseArgs({
  options: {
    baseline: { type: 'string' },
    only: { type: 'string' },
    runs: { type: 'string', default: '11' },
    profile: { type: 'string' },
  },
});
const RUNS = Number(options.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs takes a whole number of rounds, got ${options.runs}`);
const TOP = 6;
const FUNCTIONS = ['receiver', 'detector', 'remediator', 'audit'] as const;
type Name = (typeof FUNCTIONS)[number];
const SECRET = 'bench-webhook-credential-0123456789';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, '.serverless');
execFileSync('bash', [join(root, 'scripts', 'package.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });

const work = mkdtempSync(join(tmpdir(), 'kubemend-cold-'));
const aws = await startFakeAws();
const kube = await startFakeKube(
  [crashingPod(), replicaSet(), deployment(), { ...backOffEvent(), apiVersion: 'v1', kind: 'Event' }].map(
    (object) => JSON.parse(JSON.stringify(object)) as Record<string, unknown>,
  ),
);
aws.parameters.set('/kubemend/bench/webhook-token', SECRET);
aws.parameters.set('/kubemend/bench/kill-switch', 'off');
writeFileSync(join(work, 'kubeconfig'), loopbackKubeconfig(kube.url, 'bench'));
const harness = writeLambdaHarness(work);
// A deployed function reaches only registered clusters: the dev config with the alert's cluster
// registered as the bench kubeconfig's context, read as prod reads its config: from its SSM
// parameter, as `kubemend config export` writes it.
const benchConfig = stringify({
  ...(parse(readFileSync(join(root, 'config/stages/dev/agent_config.yaml'), 'utf8')) as Record<string, unknown>),
  clusters: [{ name: 'prod-eu-west-1', kubeconfig: { context: 'bench' } }],
});
aws.parameters.set('/kubemend/bench/agent-config', parameterValue(benchConfig, 'bench').value);

const env = {
  PATH: process.env.PATH,
  HOME: work,
  KUBECONFIG: join(work, 'kubeconfig'),
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_ENDPOINT_URL: aws.url,
  KUBEMEND_LOG_LEVEL: 'silent',
  KUBEMEND_ALERT_QUEUE_URL: `${aws.url}/000000000000/alerts`,
  KUBEMEND_PLAN_QUEUE_URL: `${aws.url}/000000000000/plans`,
  KUBEMEND_WEBHOOK_TOKEN_PARAMETER: '/kubemend/bench/webhook-token',
  KUBEMEND_TABLE_NAME: 'kubemend-bench',
  KUBEMEND_CONFIG_PATH: 'config/stages/dev/agent_config.yaml',
  KUBEMEND_CONFIG_PARAMETER: '/kubemend/bench/agent-config',
  KUBEMEND_MODEL_CONFIG_PATH: 'config/stages/dev/model_config.yaml',
  KUBEMEND_RETENTION_DAYS: '90',
  KUBEMEND_LEASE_SECONDS: '300',
  KUBEMEND_KUBE_TIMEOUT_SECONDS: '10',
  KUBEMEND_KILL_SWITCH_PARAMETER: '/kubemend/bench/kill-switch',
};

/** One fresh process, timed from spawn to exit; its stdout. */
function run(args: string[], cwd: string, flags: string[] = []): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...flags, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolvePromise({ ms, stdout });
    });
  });
}

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * RUNS rounds of: a bare `node -e 0`, then each command. Interleaved, so load from anything else
 * on the machine lands on the bare start and the bundle alike and the ratios stay comparable.
 */
async function rounds(commands: { args: string[]; cwd: string; before?: () => void }[]): Promise<number[][]> {
  const times: number[][] = [[], ...commands.map(() => [])];
  for (let round = 0; round < RUNS; round += 1) {
    times[0]!.push((await run(['-e', '0'], root)).ms);
    for (const [index, command] of commands.entries()) {
      command.before?.();
      times[index + 1]!.push((await run(command.args, command.cwd)).ms);
    }
  }
  return times;
}

function answerOf(stdout: string): unknown {
  const line = stdout.split('\n').find((text) => text.startsWith('@answer '));
  if (line === undefined) throw new Error(`the handler printed no answer: ${stdout}`);
  return JSON.parse(line.slice('@answer '.length));
}

function sqsEvent(body: string) {
  return {
    Records: [
      {
        messageId: 'bench-1',
        receiptHandle: 'bench',
        body,
        attributes: {},
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:bench',
        awsRegion: 'eu-west-1',
      },
    ],
  };
}

function webhookEvent() {
  return {
    version: '2.0',
    routeKey: 'POST /alerts',
    rawPath: '/alerts',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
    requestContext: { http: { method: 'POST', path: '/alerts' }, requestId: 'bench', timeEpoch: Date.now() },
    body: readFixture('alerts/crashlooping-single.json'),
    isBase64Encoded: false,
  };
}

/**
 * What each function's event is, how the services are reset before each run (so every run does
 * the same work), and what a correct answer is. Later events are built from what earlier
 * functions sent, so the chain runs in FUNCTIONS order.
 */
const scenarios: Record<Name, () => { event: unknown; reset: () => void; check: (answer: unknown) => void }> = {
  receiver: () => ({
    event: webhookEvent(),
    reset: () => aws.sent.splice(0),
    check: (answer) => {
      if ((answer as { statusCode?: number }).statusCode !== 202)
        throw new Error(`receiver: ${JSON.stringify(answer)}`);
    },
  }),
  detector: () => {
    const alert = aws.sent[0];
    if (alert === undefined) throw new Error('the receiver queued nothing');
    return {
      event: sqsEvent(alert),
      reset: () => {
        aws.sent.splice(0);
        aws.items = new Map();
      },
      check: noFailures('detector', () => aws.sent.some((message) => message.includes('"plan"'))),
    };
  },
  remediator: () => {
    const plan = aws.sent.find((message) => message.includes('"plan"'));
    if (plan === undefined) throw new Error('the detector queued no plan');
    const planned = structuredClone(aws.items);
    return {
      event: sqsEvent(plan),
      reset: () => (aws.items = structuredClone(planned)),
      check: noFailures('remediator', () => [...aws.items.values()].some((item) => item.stage?.S === 'done')),
    };
  },
  audit: () => ({
    event: { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
    reset: () => (aws.items = new Map()),
    check: (answer) => {
      if ((answer as { clusters?: number }).clusters !== 1) throw new Error(`audit: ${JSON.stringify(answer)}`);
    },
  }),
};

function noFailures(name: string, done: () => boolean) {
  return (answer: unknown) => {
    const failures = (answer as { batchItemFailures?: unknown[] }).batchItemFailures;
    if (failures === undefined || failures.length > 0 || !done()) {
      throw new Error(`${name}: ${JSON.stringify(answer)}; store: ${JSON.stringify([...aws.items.values()])}`);
    }
  };
}

/** Output bytes per package, from a build with the esbuild settings serverless.yml packages with. */
async function attribution(name: Name): Promise<{ bytes: number; packages: [string, number][] }> {
  const settings = (
    parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
      custom: { esbuild: Record<string, unknown> & { exclude?: string[] } };
    }
  ).custom.esbuild;
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'functions', `${name}.ts`)],
    bundle: true,
    write: false,
    metafile: true,
    minify: settings.minify === true,
    keepNames: settings.keepNames === true,
    format: 'esm',
    splitting: settings.splitting === true,
    platform: 'node',
    target: String(settings.target),
    banner: settings.banner as Record<string, string>,
    external: settings.exclude ?? [],
    plugins,
    outdir: join(work, 'attribution'),
    logLevel: 'silent',
  });
  // The function's bundle and the chunks it imports statically (with splitting, code reached only
  // through import() sits in chunks read when used, which are not counted).
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((path) => outputs[path]!.entryPoint === `functions/${name}.ts`)!;
  const loaded = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (loaded.has(path)) continue;
    loaded.add(path);
    pending.push(...outputs[path]!.imports.filter((item) => item.kind === 'import-statement').map((item) => item.path));
  }
  const packages = new Map<string, number>();
  let bytes = 0;
  for (const path of loaded) {
    const output = outputs[path]!;
    bytes += output.bytes;
    for (const [file, input] of Object.entries(output.inputs)) {
      const at = file.lastIndexOf('node_modules/');
      const parts = file.slice(at + 'node_modules/'.length).split('/');
      const pkg = at === -1 ? '(kubemend)' : parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
      packages.set(pkg, (packages.get(pkg) ?? 0) + input.bytesInOutput);
    }
  }
  return { bytes, packages: [...packages.entries()].sort((a, b) => b[1] - a[1]) };
}

/** The baseline build's bundle of `name`, unpacked beside this build's, handling the same event. */
function baselineCommand(name: Name, eventFile: string, scenario: { reset: () => void }) {
  const out = join(work, `baseline-${name}`);
  execFileSync('python3', ['-m', 'zipfile', '-e', join(resolve(options.baseline!), `${name}.zip`), out]);
  return { args: [harness, join(out, 'functions', `${name}.mjs`), eventFile], cwd: out, before: scenario.reset };
}

const targets: Record<Name, { ratio: number; kib: number }> = {
  receiver: { ratio: 2, kib: 500 },
  detector: { ratio: 4, kib: 1536 },
  remediator: { ratio: 4, kib: 1536 },
  audit: { ratio: 4, kib: 1536 },
};

try {
  const bares: number[] = [];
  const rows: string[] = [];
  const heaviest: string[] = [];
  const against: string[] = [];
  const only = options.only?.split(',');
  for (const name of FUNCTIONS) {
    const out = join(work, name);
    execFileSync('python3', ['-m', 'zipfile', '-e', join(dir, `${name}.zip`), out]);
    const bundle = join(out, 'functions', `${name}.mjs`);
    const { bytes, packages } = await attribution(name);
    const kib = bytes / 1024;
    const scenario = scenarios[name]();
    const eventFile = join(work, `${name}-event.json`);
    writeFileSync(eventFile, JSON.stringify(scenario.event));
    const args = [harness, bundle, eventFile];
    scenario.reset();
    scenario.check(answerOf((await run(args, out)).stdout));
    if (only !== undefined && !only.includes(name)) continue;
    if (options.profile !== undefined) {
      scenario.reset();
      await run(args, out, [
        '--cpu-prof',
        `--cpu-prof-dir=${resolve(options.profile)}`,
        `--cpu-prof-name=${name}.cpuprofile`,
      ]);
    }
    const baseline = options.baseline === undefined ? [] : [baselineCommand(name, eventFile, scenario)];
    const [bare, imports, handles, baselineHandles] = (
      await rounds([
        { args: ['--input-type=module', '-e', `await import(${JSON.stringify(bundle)})`], cwd: out },
        { args, cwd: out, before: scenario.reset },
        ...baseline,
      ])
    ).map(median) as [number, number, number, number | undefined];
    if (baselineHandles !== undefined) {
      against.push(
        `| ${name.padEnd(10)} | ${handles.toFixed(0).padStart(17)} | ${baselineHandles.toFixed(0).padStart(11)} | ${(handles / baselineHandles).toFixed(2).padStart(10)} |`,
      );
    }
    bares.push(bare);
    const importMs = imports;
    const handleMs = handles;
    // Leave the services as one correct run left them, for the next function's event.
    scenario.reset();
    scenario.check(answerOf((await run(args, out)).stdout));
    const target = targets[name];
    const cell = (value: string, width: number) => value.padStart(width);
    rows.push(
      `| ${name.padEnd(10)} | ${cell(kib.toFixed(0), 10)} | ${cell(String(target.kib), 10)} | ${cell(bare.toFixed(0), 7)} | ${cell(importMs.toFixed(0), 9)} | ${cell((importMs / bare).toFixed(2), 11)} | ${cell(handleMs.toFixed(0), 17)} | ${cell((handleMs / bare).toFixed(2), 11)} | ${cell(String(target.ratio), 8)} |`,
    );
    const shown = packages
      .slice(0, TOP)
      .map(
        ([pkg, size]) =>
          `${pkg} ${(size / 1024).toFixed(0)} (${((100 * size) / bytes).toFixed(0)}%${pkg in LAZY_PACKAGES ? ', loads on its first call' : ''})`,
      );
    heaviest.push(`| ${name.padEnd(10)} | ${shown.join(', ')} |`);
  }
  console.log(
    `cold start: medians of ${RUNS} interleaved rounds of fresh processes (bare \`node -e 0\`, import, import + one event), Node ${process.version}, ${cpus().length} cores; bare node -e 0: ${median(bares).toFixed(0)} ms`,
  );
  console.log(
    '| function   | bundle KiB | target KiB | bare ms | import ms | × bare node | import + event ms | × bare node | target × |',
  );
  console.log(
    '| ---------- | ---------- | ---------- | ------- | --------- | ----------- | ----------------- | ----------- | -------- |',
  );
  for (const row of rows) console.log(row);
  console.log(`\nheaviest packages per bundle (KiB of minified output, esbuild metafile):`);
  console.log('| function   | top dependencies |');
  console.log('| ---------- | ---------------- |');
  for (const row of heaviest) console.log(row);
  if (against.length > 0) {
    console.log(`\nagainst the baseline build in ${options.baseline} (import + one event, the same rounds):`);
    console.log('| function   | import + event ms | baseline ms | × baseline |');
    console.log('| ---------- | ----------------- | ----------- | ---------- |');
    for (const row of against) console.log(row);
  }
} finally {
  await aws.close();
  await kube.close();
  rmSync(work, { recursive: true, force: true });
}
