import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  it('refuses a second server while the first one runs, naming its pid, and lets one in once it is released', () => {
    const dir = dataDir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const first = lockDataDir(dir, other.pid);

      expect(() => lockDataDir(dir)).toThrow(
        `another kubemend serve (pid ${other.pid}) uses ${dir}; stop it, or give this one its own --data-dir`,
      );

      first.release();
      expect(existsSync(join(dir, 'serve.lock'))).toBe(false);
      lockDataDir(dir).release();
    } finally {
      other.kill();
    }
  });

  it('takes over the lock of a server that died without releasing it', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'serve.lock'), '2147483646');

    const lock = lockDataDir(dir);

    expect(existsSync(join(dir, 'serve.lock'))).toBe(true);
    lock.release();
  });

  it('keeps the store to its owner: a directory it creates is 0700, the database file 0600', () => {
    const dir = join(dataDir(), 'new', '.kubemend');

    openLocalDatabase(dir).close();

    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'kubemend.db')).mode & 0o777).toBe(0o600);
  });
});
