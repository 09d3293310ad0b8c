import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import { lockDataDir } from '../../../lib/local/data-dir.ts';
import { openLocalDatabase } from '../../../lib/store/sqlite-outcome-store.ts';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-datadir-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the data directory', () => {
  it('refuses a second server while the first one holds the directory, naming its pid, and lets one in once it is released', () => {
    const dir = dataDir();
    const first = lockDataDir(dir, 4242);

    expect(() => lockDataDir(dir)).toThrow(
      `another kubemend serve (pid 4242) uses ${dir}; stop it, or give this one its own --data-dir`,
    );

    first.release();
    expect(existsSync(join(dir, 'serve.pid'))).toBe(false);
    lockDataDir(dir).release();
  });

  it('gives the directory to exactly one of several servers starting at once', async () => {
    const dir = dataDir();
    const script = `
      const { lockDataDir } = await import(${JSON.stringify(join(import.meta.dirname, '../../../lib/local/data-dir.ts'))});
      try { lockDataDir(${JSON.stringify(dir)}); console.log('held'); setTimeout(() => {}, 5000); }
      catch { console.log('refused'); }`;
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
            stdio: ['ignore', 'pipe', 'ignore'],
          });
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.on('exit', () => resolve(out.trim()));
        }),
    );

    const answers = await Promise.all(runs);

    expect(answers.filter((answer) => answer === 'held')).toHaveLength(1);
    expect(answers.filter((answer) => answer === 'refused')).toHaveLength(3);
  }, 20_000);

  it('takes the directory of a server that died: the operating system dropped its lock', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'serve.pid'), '2147483646');
    writeFileSync(join(dir, 'serve.lock'), '');

    const lock = lockDataDir(dir, 777);

    expect(readFileSync(join(dir, 'serve.pid'), 'utf8')).toBe('777');
    lock.release();
  });

  it('keeps the store to its owner: a directory it creates is 0700, the database file 0600', () => {
    const dir = join(dataDir(), 'new', '.kubemend');

    openLocalDatabase(dir).close();

    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'kubemend.db')).mode & 0o777).toBe(0o600);
  });
});
