import { pino, type Logger } from 'pino';

import { buildInfo } from './version.ts';

export type { Logger } from 'pino';

/** Paths never written to logs, whatever a caller passes. */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

/**
 * JSON logs on stdout (CloudWatch in AWS); credentials are redacted. Every line carries the
 * build's `version` (and `commit` when known), so a log line tells which release wrote it.
 */
export function createLogger(options: {
  level: string;
  name?: string;
  destination?: pino.DestinationStream;
  /** Log to stderr (a command whose stdout is its answer), not stdout. */
  stderr?: boolean;
}): Logger {
  return pino(
    {
      name: options.name ?? 'kubemend',
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { ...buildInfo() },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? (options.stderr === true ? pino.destination(2) : undefined),
  );
}
