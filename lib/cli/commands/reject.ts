import type { Command } from 'commander';

import type { CliContext } from '../context.ts';
import { openSystem } from '../system.ts';
import { printOutcome, remediatorCommand, type RemediatorOptions } from './remediator-options.ts';

export function rejectCommand(program: Command, ctx: CliContext): void {
  remediatorCommand(program, ctx, 'reject')
    .description(
      'turn down a fix waiting for approval: its record ends refused, saying who and why; nothing is written',
    )
    .argument('<id>', 'the alert instance id (history --result awaiting-approval)')
    .option('--by <name>', 'who rejects (default: $KUBEMEND_USER or $USER)')
    .option('--reason <text>', 'why, for the record')
    .action(async (id: string, options: RemediatorOptions & { by?: string; reason?: string }) => {
      const system = await openSystem(ctx, options);
      const outcome = await system.reject(id, await system.who(options.by), options.reason);
      printOutcome(ctx, outcome, options.output);
      // The record is refused, as asked: the command did what it was told.
      process.exitCode = 0;
    });
}
