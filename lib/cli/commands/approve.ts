import type { Command } from 'commander';

import type { CliContext } from '../context.ts';
import { whileWaiting } from '../progress.ts';
import { openSystem } from '../system.ts';
import { printOutcome, remediatorCommand, type RemediatorOptions } from './remediator-options.ts';

export function approveCommand(program: Command, ctx: CliContext): void {
  remediatorCommand(program, ctx, 'approve')
    .description('approve a fix waiting for approval (see `history --result awaiting-approval`) and run it now')
    .argument('<id>', 'the alert instance id (fingerprint@startsAt)')
    .option('--by <name>', 'who approves (default: $KUBEMEND_USER or $USER)')
    .action(async (id: string, options: RemediatorOptions & { by?: string }) => {
      const system = await openSystem(ctx, options);
      const by = await system.who(options.by);
      const outcome = await whileWaiting(ctx.io, `approving ${id}: running the fix and verifying it`, () =>
        system.approve(id, by),
      );
      printOutcome(ctx, outcome, options.output);
    });
}
