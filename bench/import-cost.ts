// What each of the functions' libraries costs a cold start on its own: each is bundled alone from a
// one-line use (with the esbuild settings and plugins serverless.yml packages with), and a fresh
// Node imports that bundle; medians of interleaved rounds, beside a bare `node -e 0` and the
// import of an empty bundle, which is the baseline each cost is counted from.
//
//   npm run bench:import-cost            (RUNS=21 npm run bench:import-cost for more rounds)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import * as esbuild from 'esbuild';

import { lazyRequires, plugins } from '../scripts/esbuild-plugins.ts';

const RUNS = Number(process.env.RUNS ?? 11);
const root = resolve(import.meta.dirname, '..');

/** Each library as the functions use it: imported and, where they build something at start, built. */
const CANDIDATES: Record<string, string> = {
  'empty bundle': 'export const x = 1;',
  zod: "import * as z from 'zod'; export const s = z.object({ a: z.string().min(1), b: z.url(), c: z.coerce.number().int().positive(), d: z.enum(['x', 'y']).default('x') });",
  'zod/mini':
    "import * as z from 'zod/mini'; export const s = z.object({ a: z.string().check(z.minLength(1)), b: z.url(), c: z.coerce.number().check(z.int(), z.positive()), d: z._default(z.enum(['x', 'y']), 'x') });",
  pino: "import { pino } from 'pino'; export const l = pino({ level: 'info', redact: { paths: ['a.b'], censor: 'x' }, timestamp: pino.stdTimeFunctions.isoTime });",
  'pino, without lazyRequires':
    "import { pino } from 'pino'; export const l = pino({ level: 'info', redact: { paths: ['a.b'], censor: 'x' }, timestamp: pino.stdTimeFunctions.isoTime });",
  '@aws-lambda-powertools/metrics':
    "import { Metrics } from '@aws-lambda-powertools/metrics'; export const m = new Metrics({ namespace: 'k', serviceName: 's' });",
  '@smithy/signature-v4': "import { SignatureV4 } from '@smithy/signature-v4'; export { SignatureV4 };",
  '@middy/core': "import middy from '@middy/core'; export const h = middy().handler(async () => 1);",
  'yaml (loads on its first call: lazyPackages)': "import { parse } from 'yaml'; export { parse };",
  'yaml, parsing a config':
    "import { parse } from 'yaml'; export const c = parse('defaults:\\n  mode: dry-run\\nrules: []\\n');",
  '@aws-sdk/client-dynamodb':
    "import { DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'; export { DynamoDBClient, ConditionalCheckFailedException };",
  '@aws-sdk/client-dynamodb + lib-dynamodb':
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'; export { DynamoDBClient, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand };",
  '@aws-sdk/client-sns':
    "import { SNSClient, PublishCommand } from '@aws-sdk/client-sns'; export { SNSClient, PublishCommand };",
  '@aws-sdk/credential-provider-node':
    "import { defaultProvider } from '@aws-sdk/credential-provider-node'; export { defaultProvider };",
  // What the receiver keeps at start before any of its own code (it loads zod only for a webhook
  // it refuses), and what a worker keeps: the floors the chosen libraries set.
  'pino + Powertools metrics + middy + signer + node:http, together':
    "import { pino } from 'pino'; import { Metrics } from '@aws-lambda-powertools/metrics'; import middy from '@middy/core'; import { SignatureV4 } from '@smithy/signature-v4'; import { request } from 'node:http'; export const l = pino({ level: 'info' }); export const m = new Metrics({ namespace: 'k', serviceName: 's' }); export const h = middy().handler(async () => 1); export { SignatureV4, request };",
  'zod + pino + Powertools metrics + middy + signer + node:http, together':
    "import * as z from 'zod'; import { pino } from 'pino'; import { Metrics } from '@aws-lambda-powertools/metrics'; import middy from '@middy/core'; import { SignatureV4 } from '@smithy/signature-v4'; import { request } from 'node:http'; export const s = z.object({ a: z.string().min(1) }); export const l = pino({ level: 'info' }); export const m = new Metrics({ namespace: 'k', serviceName: 's' }); export const h = middy().handler(async () => 1); export { SignatureV4, request };",
};

const work = mkdtempSync(join(tmpdir(), 'kubemend-import-cost-'));
/** One bundle per candidate, built as the functions are; its entry file and KiB with its static chunks. */
async function bundle(name: string, source: string): Promise<{ file: string; kib: number }> {
  const slug = name.replace(/\W+/g, '-');
  const entry = join(work, `${slug}.ts`);
  writeFileSync(entry, source);
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    nodePaths: [join(root, 'node_modules')],
    bundle: true,
    minify: true,
    keepNames: false,
    format: 'esm',
    splitting: true,
    platform: 'node',
    target: 'node24',
    outdir: join(work, slug),
    outExtension: { '.js': '.mjs' },
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    external: ['supports-color'],
    plugins: name.endsWith('without lazyRequires') ? plugins.filter((plugin) => plugin !== lazyRequires) : plugins,
    metafile: true,
    logLevel: 'error',
  });
  const outputs = result.metafile.outputs;
  const file = Object.keys(outputs).find((path) => outputs[path]!.entryPoint !== undefined)!;
  const statics = new Set([
    file,
    ...outputs[file]!.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path),
  ]);
  const bytes = [...statics].reduce((sum, path) => sum + outputs[path]!.bytes, 0);
  return { file: resolve(root, file), kib: bytes / 1024 };
}

function time(args: string[]): number {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.status !== 0) throw new Error(`${args.join(' ')}: ${String(child.stderr)}`);
  return performance.now() - started;
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;

try {
  const bundles = new Map<string, { file: string; kib: number }>();
  for (const [name, source] of Object.entries(CANDIDATES)) bundles.set(name, await bundle(name, source));
  const bare: number[] = [];
  const times = new Map<string, number[]>([...bundles.keys()].map((name) => [name, []]));
  for (let round = 0; round < RUNS; round += 1) {
    bare.push(time(['-e', '0']));
    for (const [name, { file }] of bundles) {
      times.get(name)!.push(time(['--input-type=module', '-e', `await import(${JSON.stringify(file)})`]));
    }
  }
  const empty = median(times.get('empty bundle')!);
  console.log(
    `import cost: medians of ${RUNS} interleaved rounds of fresh processes, Node ${process.version}, ${cpus().length} cores; bare node -e 0: ${median(bare).toFixed(1)} ms; empty bundle: ${empty.toFixed(1)} ms`,
  );
  console.log('| library | KiB | import ms | over the empty bundle, ms |');
  console.log('| ------- | --- | --------- | ------------------------- |');
  for (const [name, { kib }] of bundles) {
    if (name === 'empty bundle') continue;
    const ms = median(times.get(name)!);
    console.log(`| ${name} | ${kib.toFixed(0)} | ${ms.toFixed(1)} | ${(ms - empty).toFixed(1)} |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
