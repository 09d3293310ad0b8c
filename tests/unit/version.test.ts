import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

import { afterAll, describe, expect, it } from '@jest/globals';

import { runCli } from '../helpers/cli.ts';
import { createLocalRuntime } from '../../lib/local/runtime.ts';
import { startServer } from '../../lib/local/server.ts';
import { createLogger } from '../../lib/logger.ts';
import { buildInfo, formatBuildInfo, resolveBuildInfo } from '../../lib/version.ts';
import { localRuntimeOptions } from '../helpers/support.ts';

const root = join(import.meta.dirname, '../..');
const packageVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const scratch = mkdtempSync(join(tmpdir(), 'kubemend-version-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function gitHead(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

describe('build info', () => {
  it("reads package.json's version and the checkout's commit when run from source", () => {
    const info = resolveBuildInfo({ env: {}, root: pathToFileURL(`${root}/`) });

    expect(info.version).toBe(packageVersion);
    expect(info.commit).toBe(gitHead());
  });

  it('prefers the values written into the bundle, and asks git nothing then', () => {
    // A directory with neither package.json nor git: only the bundled values can answer.
    const info = resolveBuildInfo({
      bundledVersion: '9.8.7',
      bundledCommit: 'abcdef012345',
      env: {},
      root: pathToFileURL(`${scratch}/`),
    });

    expect(info).toEqual({ version: '9.8.7', commit: 'abcdef012345' });
    expect(
      resolveBuildInfo({ bundledVersion: '9.8.7', bundledCommit: '', env: {}, root: pathToFileURL(`${root}/`) }),
    ).toEqual({ version: '9.8.7' });
  });

  it('takes KUBEMEND_COMMIT for checkouts without git, and says unknown without package.json', () => {
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ version: '1.2.3' }));

    expect(resolveBuildInfo({ env: { KUBEMEND_COMMIT: 'feedbeef' }, root: pathToFileURL(`${scratch}/`) })).toEqual({
      version: '1.2.3',
      commit: 'feedbeef',
    });
    expect(resolveBuildInfo({ env: {}, root: pathToFileURL(`${scratch}/nowhere/`) }).version).toBe('0.0.0-unknown');
  });

  it('formats with and without a commit', () => {
    expect(formatBuildInfo({ version: '0.1.0', commit: '1a2b3c' })).toBe('0.1.0 (commit 1a2b3c)');
    expect(formatBuildInfo({ version: '0.1.0' })).toBe('0.1.0');
  });
});

describe('the version in the CLI, the logs and kubemend serve', () => {
  const cli = (args: string[]) => runCli(args, root);

  it('kubemend --version and kubemend version print the version and commit', async () => {
    const expected = `kubemend ${formatBuildInfo(buildInfo())}\n`;

    expect(await cli(['--version'])).toEqual({ out: expected, exitCode: 0 });
    expect(await cli(['-v'])).toEqual({ out: expected, exitCode: 0 });
    expect(await cli(['version'])).toEqual({ out: expected });
    expect(JSON.parse((await cli(['version', '--output', 'json'])).out)).toEqual({
      version: packageVersion,
      ...(gitHead() === undefined ? {} : { commit: gitHead() }),
    });
  });

  it('every log line carries the version', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'info', name: 'kubemend-test', destination });
    logger.info({ alerts: 1 }, 'webhook accepted');

    expect(JSON.parse(lines[0]!)).toMatchObject({
      name: 'kubemend-test',
      version: packageVersion,
      msg: 'webhook accepted',
      alerts: 1,
    });
  });

  it('kubemend serve answers GET /version', async () => {
    const runtime = createLocalRuntime(localRuntimeOptions(scratch));
    const server = await startServer(runtime, { host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/version`);

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(buildInfo());
      expect(buildInfo().version).toBe(packageVersion);
    } finally {
      await server.close();
      await runtime.close();
    }
  });
});
