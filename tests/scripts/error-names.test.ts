import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import * as esbuild from 'esbuild';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');

describe('error names in the function bundles', () => {
  it('survive minification as serverless.yml sets it: every error class of lib/errors.ts keeps its name', async () => {
    const { custom } = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { logLevel: 'error' }) as {
      custom: { esbuild: { minify: boolean; keepNames?: boolean } };
    };
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
        minify: custom.esbuild.minify,
        keepNames: custom.esbuild.keepNames ?? false,
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
