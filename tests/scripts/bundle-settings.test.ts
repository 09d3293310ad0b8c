import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import * as esbuild from 'esbuild';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');

/** serverless.yml's esbuild settings, the ones these tests build with. */
function esbuildSettings(): { minify: boolean; keepNames?: boolean; banner: { js: string } } {
  const { custom } = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { logLevel: 'error' }) as {
    custom: { esbuild: { minify: boolean; keepNames?: boolean; banner: { js: string } } };
  };
  return custom.esbuild;
}

describe('zod in the function bundles', () => {
  it('parses without compiling schemas, set before any chunk builds one (the banner)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'kubemend-jitless-'));
    try {
      // A module both entries import is split into a chunk of its own, which builds its schema
      // when it loads: before either entry's own code runs.
      writeFileSync(
        join(work, 'shared.ts'),
        `import * as z from 'zod';
        export const jitlessWhenBuilt = z.config().jitless === true;
        export const Schema = z.object({ name: z.string() });`,
      );
      for (const entry of ['a', 'b']) {
        writeFileSync(
          join(work, `${entry}.ts`),
          `import { jitlessWhenBuilt, Schema } from './shared.ts';
          console.log(JSON.stringify({ jitlessWhenBuilt, parsed: Schema.parse({ name: '${entry}' }) }));`,
        );
      }
      const result = await esbuild.build({
        absWorkingDir: root,
        entryPoints: [join(work, 'a.ts'), join(work, 'b.ts')],
        nodePaths: [join(root, 'node_modules')],
        outdir: join(work, 'out'),
        outExtension: { '.js': '.mjs' },
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'node',
        minify: esbuildSettings().minify,
        banner: esbuildSettings().banner,
        metafile: true,
        logLevel: 'silent',
      });
      const chunks = Object.keys(result.metafile.outputs).filter((path) => /chunk-.*\.mjs$/.test(path));
      const printed = execFileSync(process.execPath, [join(work, 'out', 'a.mjs')], { encoding: 'utf8' });

      expect(chunks.length).toBeGreaterThan(0);
      expect(JSON.parse(printed)).toEqual({ jitlessWhenBuilt: true, parsed: { name: 'a' } });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('error names in the function bundles', () => {
  it('survive minification as serverless.yml sets it: every error class of lib/errors.ts keeps its name', async () => {
    const settings = esbuildSettings();
    const work = mkdtempSync(join(tmpdir(), 'kubemend-names-'));
    try {
      const entry = join(work, 'entry.ts');
      writeFileSync(
        entry,
        `import * as errors from ${JSON.stringify(join(root, 'lib/errors.ts'))};
        const classes = Object.entries(errors).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error);
        console.log(JSON.stringify({
          names: Object.fromEntries(classes.map(([exported, type]) => [exported, type.name])),
          instance: new errors.ConfigError('bad').name,
          base: new errors.KubemendError('internal_error', 'x').name,
        }));`,
      );
      const outfile = join(work, 'out.mjs');
      await esbuild.build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        minify: settings.minify,
        keepNames: settings.keepNames ?? false,
        logLevel: 'silent',
      });
      const printed = JSON.parse(execFileSync(process.execPath, [outfile], { encoding: 'utf8' })) as {
        names: Record<string, string>;
      };

      expect(Object.keys(printed.names).length).toBeGreaterThan(15);
      expect(printed).toEqual({
        names: Object.fromEntries(Object.keys(printed.names).map((name) => [name, name])),
        instance: 'ConfigError',
        base: 'KubemendError',
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
