import type { Command } from 'commander';
import { stringify } from 'yaml';

import { NotFoundError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { formatOutcome } from '../format.ts';
import { parseChoice } from '../options.ts';
import { openSystem, withStageOptions, type SystemOptions } from '../system.ts';

interface ShowOptions extends SystemOptions {
  output: 'text' | 'json' | 'yaml';
}

export function showCommand(program: Command, ctx: CliContext): void {
  withStageOptions(program.command('show'))
    .description(
      'one record whole: the alert, the diagnosis and its evidence, the plan, the policy decision, the change and its diff, the approval, the verification, who and when',
    )
    .argument('<id>', 'the record, as the ID column of kubemend history shows it')
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option('-o, --output <format>', 'text, json or yaml', parseChoice(['text', 'json', 'yaml']), 'text')
    .action(async (id: string, options: ShowOptions) => {
      const system = await openSystem(ctx, options);
      const outcome = await system.get(id);
      if (outcome === undefined) {
        throw new NotFoundError(`no record ${id} in the ${system.where} (kubemend history lists them, with their IDs)`);
      }
      ctx.io.stdout(
        options.output === 'json'
          ? `${JSON.stringify(outcome, null, 2)}\n`
          : options.output === 'yaml'
            ? stringify(outcome, { lineWidth: 0 })
            : `${formatOutcome(outcome)}\n`,
      );
    });
}
