import { describe, expect, it } from '@jest/globals';
import { CommanderError } from 'commander';

import { EXIT, exitCodeOf, exitOnError } from '../../../lib/cli/exit-codes.ts';
import type { Outcome } from '../../../lib/domain/types.ts';
import {
  ClusterUnreachableError,
  ConfigError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../../lib/errors.ts';

const ending = (result: Outcome['result'], stage: Outcome['stage'] = 'done') => ({ result, stage }) as Outcome;

describe('exit codes', () => {
  it('says done, refused or failed, and unreachable apart for a record', () => {
    expect(
      (['applied', 'dry-run', 'observed', 'no-action', 'resolved'] as const).map((r) => exitCodeOf(ending(r))),
    ).toEqual([0, 0, 0, 0, 0]);
    expect(exitCodeOf(ending(undefined, 'awaiting-approval'))).toBe(EXIT.done);
    expect([exitCodeOf(ending('refused')), exitCodeOf(ending('failed'))]).toEqual([1, 1]);
    expect([exitCodeOf(ending('cluster-unreachable')), exitCodeOf(ending('unknown-cluster'))]).toEqual([3, 3]);
  });

  it('gives an error one line and its code, and a stack only when asked', () => {
    expect(exitOnError(new ValidationError('target must be kind/name'), {})).toEqual({
      code: 2,
      message: 'kubemend: target must be kind/name',
    });
    expect(exitOnError(new ConfigError('bad'), {}).code).toBe(2);
    expect(exitOnError(new NotFoundError('no record for x'), {}).code).toBe(2);
    expect(exitOnError(new ClusterUnreachableError('connect ECONNREFUSED'), {}).code).toBe(3);
    expect(exitOnError(new ForbiddenError('RBAC denied'), {}).code).toBe(1);
    expect(exitOnError(new TypeError('x is undefined'), {})).toEqual({
      code: 1,
      message: 'kubemend: x is undefined (KUBEMEND_DEBUG=1 shows where)',
    });
    expect(exitOnError(new TypeError('x is undefined'), { KUBEMEND_DEBUG: '1' }).message).toMatch(
      /^kubemend: x is undefined\nTypeError: x is undefined\n\s+at /,
    );
  });

  it('leaves commander’s own messages to it: help is done, a bad option is usage', () => {
    expect(exitOnError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), {})).toEqual({ code: 0 });
    expect(exitOnError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--nope'"), {})).toEqual(
      {
        code: 2,
      },
    );
  });
});
