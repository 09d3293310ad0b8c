import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { openLocalDatabase } from '../../../../lib/store/sqlite-outcome-store.ts';
import { cliExit, runCli } from '../../../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'kubemend-kill-switch-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('kubemend kill-switch', () => {
  it('flips the data directory’s switch and says who did it, when and why', async () => {
    const dataDir = join(root, 'fresh');
    openLocalDatabase(dataDir).close();
    const cli = (...args: string[]) => runCli(['kill-switch', ...args, '--data-dir', dataDir], process.cwd());

    expect((await cli('status')).out).toBe(
      `kill switch off for the data directory ${dataDir}: fixes may write as their rules allow\n`,
    );
    const on = await cli('on', '--by', 'alice', '--reason', 'incident 42');
    expect(on.exitCode).toBeUndefined();
    expect(on.out).toMatch(
      new RegExp(
        `^kill switch ON for the data directory ${dataDir} by alice at \\S+: incident 42: no fix writes to any cluster\\n  the kill switch is on \\(kubemend kill-switch on by alice: incident 42\\)\\n$`,
      ),
    );
    expect(JSON.parse((await cli('status', '-o', 'json')).out)).toMatchObject({
      on: true,
      by: 'alice',
      why: 'incident 42',
    });
    expect(JSON.parse((await cli('off', '--by', 'bob', '-o', 'json')).out)).toMatchObject({ on: false, by: 'bob' });
  });

  it('says the config’s killSwitch: true still stops writes, whatever the data directory says', async () => {
    const dataDir = join(root, 'config-on');
    openLocalDatabase(dataDir).close();
    const config = join(root, 'agent_config.yaml');
    writeFileSync(config, 'killSwitch: true\n');
    const cli = (...args: string[]) =>
      runCli(['kill-switch', ...args, '--data-dir', dataDir, '--config', config, '-o', 'json'], process.cwd());

    expect(JSON.parse((await cli('off')).out)).toEqual({
      on: true,
      reason: `the kill switch is still on: killSwitch: true in ${config}`,
    });
    expect(JSON.parse((await cli('status')).out)).toMatchObject({ on: true });
  });

  it('refuses a state that is not on, off or status, and a directory no server keeps its store in, as usage', async () => {
    const exitOf = (...args: string[]) => cliExit(['kill-switch', ...args]);

    expect((await exitOf('maybe', '--data-dir', root)).code).toBe(2);
    const typo = join(root, 'not-the-data-dir');
    expect(await exitOf('on', '--data-dir', typo)).toMatchObject({ code: 2, message: expect.stringContaining(typo) });
    expect(existsSync(typo)).toBe(false);
  });
});
