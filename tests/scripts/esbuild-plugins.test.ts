import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import * as esbuild from 'esbuild';

import { plugins } from '../../scripts/esbuild-plugins.ts';

const root = resolve(import.meta.dirname, '../..');
let work: string;

/** `source` bundled as the functions are (ESM, split, the plugins), run by a fresh Node; its stdout. */
async function bundleAndRun(source: string): Promise<string> {
  const entry = join(work, `entry-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(entry, source);
  const out = join(work, 'out');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    nodePaths: [join(root, 'node_modules')],
    bundle: true,
    format: 'esm',
    splitting: true,
    platform: 'node',
    target: 'node24',
    outdir: out,
    outExtension: { '.js': '.mjs' },
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    metafile: true,
    plugins,
    logLevel: 'silent',
  });
  const bundle = Object.keys(result.metafile.outputs).find((path) => result.metafile.outputs[path]!.entryPoint);
  return execFileSync(process.execPath, [resolve(root, bundle!)], { encoding: 'utf8' });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kubemend-plugins-'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('lazyRequires', () => {
  it('bundles pino so that it logs without loading node:assert or its transport at import, and its transport still runs when called', async () => {
    const stdout = await bundleAndRun(`
      import { pino } from 'pino';
      const logger = pino({ base: {}, timestamp: false });
      logger.info({ answer: 42 }, 'hello');
      const loaded = (name) => process.moduleLoadList.includes('NativeModule ' + name);
      const before = { assert: loaded('assert'), transport: typeof pino.transport };
      let failure = '';
      try {
        pino.transport({ target: './no-such-transport-target.mjs' });
      } catch (error) {
        failure = error.message;
      }
      console.log(JSON.stringify({ before, transportRan: failure !== '' }));
    `);
    const [line, result] = stdout.trim().split('\n');
    expect(JSON.parse(line!)).toEqual({ level: 30, answer: 42, msg: 'hello' });
    expect(JSON.parse(result!)).toEqual({ before: { assert: false, transport: 'function' }, transportRan: true });
  });
});

describe('lazyPackages', () => {
  it('bundles yaml so that it loads on its first call, not at import, and parses as before', async () => {
    // yaml registers its node symbols with Symbol.for when its modules run: seen after the
    // import only if they run on the first call.
    const stdout = await bundleAndRun(`
      import { parse, stringify } from 'yaml';
      const registered = [];
      const symbolFor = Symbol.for;
      Symbol.for = (key) => (registered.push(key), symbolFor(key));
      const value = parse('a: [1, two]');
      console.log(JSON.stringify({ value, text: stringify(value), loadedOnCall: registered.includes('yaml.map') }));
    `);
    expect(JSON.parse(stdout)).toEqual({ value: { a: [1, 'two'] }, text: 'a:\n  - 1\n  - two\n', loadedOnCall: true });
  });
});
