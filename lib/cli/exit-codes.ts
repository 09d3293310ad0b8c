import { CommanderError } from 'commander';

import type { Outcome } from '../domain/types.ts';
import {
  ClusterUnknownError,
  ClusterUnreachableError,
  ConfigError,
  describeError,
  KubemendError,
  NotFoundError,
  ValidationError,
} from '../errors.ts';

/**
 * What `kubemend` exits with, one meaning per code, for scripts and runbooks (README, CLI):
 * 0 done (applied, dry-run, observed, no action, waiting for an approval); 1 refused or failed
 * (another server holds the data directory; a check that found problems, as `config validate`);
 * 2 usage (an argument, option, config or record that is not right); 3 the cluster could not be
 * reached or is not registered.
 */
export const EXIT = { done: 0, refusedOrFailed: 1, usage: 2, unreachable: 3 } as const;

/** The exit code of a command that ended with `outcome`. */
export function exitCodeOf(outcome: Outcome): number {
  switch (outcome.result) {
    case 'failed':
    case 'refused':
      return EXIT.refusedOrFailed;
    case 'cluster-unreachable':
    case 'unknown-cluster':
      return EXIT.unreachable;
    default:
      return EXIT.done;
  }
}

/**
 * The exit code for an error a command ended with, and the one line to print for it (none for
 * commander's own, which it printed). A user never sees a stack trace unless KUBEMEND_DEBUG asks
 * for one.
 */
export function exitOnError(error: unknown, env: { KUBEMEND_DEBUG?: string }): { code: number; message?: string } {
  if (error instanceof CommanderError) {
    const shown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    return { code: shown || error.exitCode === 0 ? EXIT.done : EXIT.usage };
  }
  const debug = env.KUBEMEND_DEBUG !== undefined && env.KUBEMEND_DEBUG !== '' && env.KUBEMEND_DEBUG !== '0';
  const stack = debug && error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : '';
  if (error instanceof ClusterUnreachableError || error instanceof ClusterUnknownError) {
    return { code: EXIT.unreachable, message: `kubemend: ${describeError(error).message}${stack}` };
  }
  if (error instanceof ValidationError || error instanceof ConfigError || error instanceof NotFoundError) {
    return { code: EXIT.usage, message: `kubemend: ${describeError(error).message}${stack}` };
  }
  if (error instanceof KubemendError) {
    return { code: EXIT.refusedOrFailed, message: `kubemend: ${describeError(error).message}${stack}` };
  }
  const text = error instanceof Error ? error.message : String(error);
  return {
    code: EXIT.refusedOrFailed,
    message: `kubemend: ${text}${stack === '' ? ' (KUBEMEND_DEBUG=1 shows where)' : stack}`,
  };
}
