// Cold start of each function bundle: its size, and the time a fresh Node process takes to import
// it (module initialisation included: config parsed, clients built), as a ratio to a bare
// `node -e 0` on the same Node. Medians of several runs. Packages first if .serverless/ is missing.
//
//   npm run bench:cold-start
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const RUNS = 9;
const root = resolve(import.meta.dirname, '..');
const dir = join(root, '.serverless');
if (!existsSync(join(dir, 'receiver.zip')))
  execFileSync('bash', [join(root, 'scripts', 'package.sh')], { stdio: 'inherit' });

const env = {
  PATH: process.env.PATH,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  KUBEMEND_LOG_LEVEL: 'silent',
  KUBEMEND_ALERT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/alerts',
  KUBEMEND_PLAN_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/plans',
  KUBEMEND_WEBHOOK_TOKEN_PARAMETER: '/kubemend/bench/webhook-token',
  KUBEMEND_TABLE_NAME: 'kubemend-bench',
  KUBEMEND_CONFIG_PATH: 'config/stages/dev/agent_config.yaml',
  KUBEMEND_RETENTION_DAYS: '90',
  KUBEMEND_LEASE_SECONDS: '300',
  KUBEMEND_KUBE_TIMEOUT_SECONDS: '10',
  KUBEMEND_KILL_SWITCH_PARAMETER: '/kubemend/bench/kill-switch',
};

function medianMs(args: string[], cwd: string): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    const child = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`${args.join(' ')} failed: ${child.stderr}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const bare = medianMs(['-e', '0'], root);
const targets: Record<string, { ratio: number; kib: number }> = {
  receiver: { ratio: 2, kib: 500 },
  detector: { ratio: 4, kib: 1536 },
  remediator: { ratio: 4, kib: 1536 },
  audit: { ratio: 4, kib: 1536 },
};
console.log(
  `cold start: median of ${RUNS} fresh processes each, Node ${process.version}; bare node -e 0: ${bare.toFixed(0)} ms`,
);
console.log('| function   | bundle KiB | target KiB | import ms | × bare node | target × |');
console.log('| ---------- | ---------- | ---------- | --------- | ----------- | -------- |');
for (const zip of readdirSync(dir)
  .filter((name) => name.endsWith('.zip'))
  .sort()) {
  const name = zip.replace(/\.zip$/, '');
  const out = mkdtempSync(join(tmpdir(), 'kubemend-cold-'));
  try {
    execFileSync('python3', ['-m', 'zipfile', '-e', join(dir, zip), out]);
    const bundle = join(out, 'functions', `${name}.mjs`);
    const kib = statSync(bundle).size / 1024;
    const ms = medianMs(['--input-type=module', '-e', `await import(${JSON.stringify(bundle)})`], out);
    const target = targets[name];
    console.log(
      `| ${name.padEnd(10)} | ${kib.toFixed(0).padStart(10)} | ${String(target?.kib ?? '').padStart(10)} | ${ms.toFixed(0).padStart(9)} | ${(ms / bare).toFixed(2).padStart(11)} | ${String(target?.ratio ?? '').padStart(8)} |`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
