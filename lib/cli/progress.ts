import type { CliIo } from './context.ts';

/**
 * Says on stderr what a command is waiting for while `work` runs, when stderr is a terminal: one
 * line at once, then the time waited every `everyMs` (a fix's verification can take minutes).
 * stdout carries only the answer, so `-o json` stays parseable.
 */
export async function whileWaiting<T>(
  io: Pick<CliIo, 'stderr' | 'progress'>,
  what: string,
  work: () => Promise<T>,
  options: { everyMs?: number; clock?: () => number } = {},
): Promise<T> {
  if (io.progress !== true) return work();
  const clock = options.clock ?? Date.now;
  const started = clock();
  io.stderr(`${what} …\n`);
  const timer = setInterval(
    () => io.stderr(`  still ${what} (${Math.round((clock() - started) / 1000)}s)\n`),
    options.everyMs ?? 10_000,
  );
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
