import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { KubemendError } from '../errors.ts';

/** Held while a `kubemend serve` uses a data directory; `release()` gives it up. */
export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data directory for one server: a second `kubemend serve` on the same directory would
 * double the work on every message and slow both, so it is refused, naming the first one's pid. A
 * lock whose process is gone (a crash) is taken over.
 */
export function lockDataDir(dataDir: string, pid = process.pid): DataDirLock {
  const path = join(dataDir, 'serve.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(pid));
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== pid && alive(holder)) {
        throw new KubemendError(
          'data_dir_in_use',
          `another kubemend serve (pid ${holder}) uses ${dataDir}; stop it, or give this one its own --data-dir`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new KubemendError('data_dir_in_use', `cannot take ${path}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
