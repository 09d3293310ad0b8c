import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { KubemendError } from '../errors.ts';

/** Held while a `kubemend serve` uses a data directory; `release()` gives it up. */
export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data directory for one server: a second `kubemend serve` on the same directory would
 * double the work on every message and slow both, so it is refused. The lock is an exclusive lock
 * on `serve.lock` held by an open SQLite connection: taking it is atomic, and the operating
 * system drops it when the process ends however it ends, so a crash leaves nothing to clean up.
 * `serve.pid` only names the holder in the refusal.
 */
/** The open connections that hold locks: kept reachable, so that no garbage collection closes one. */
const held = new Set<DatabaseSync>();

export function lockDataDir(dataDir: string, pid = process.pid): DataDirLock {
  const file = join(dataDir, 'serve.lock');
  closeSync(openSync(file, 'a', 0o600));
  const db = new DatabaseSync(file);
  try {
    db.exec('PRAGMA busy_timeout = 0');
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    const holder = holderOf(dataDir);
    throw new KubemendError(
      'data_dir_in_use',
      `another kubemend serve${holder === undefined ? '' : ` (pid ${holder})`} uses ${dataDir}; stop it, or give this one its own --data-dir`,
      { cause: error },
    );
  }
  held.add(db);
  const pidFile = join(dataDir, 'serve.pid');
  writeFileSync(pidFile, String(pid), { mode: 0o600 });
  return {
    release: () => {
      rmSync(pidFile, { force: true });
      held.delete(db);
      db.close();
    },
  };
}

function holderOf(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, 'serve.pid'), 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
