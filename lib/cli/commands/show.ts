import { resolve } from 'node:path';

import type { Command } from 'commander';
import { stringify } from 'yaml';

import { NotFoundError } from '../../errors.ts';
import { createSqliteOutcomeStore, openLocalDatabase } from '../../store/sqlite-outcome-store.ts';
import type { CliContext } from '../context.ts';
import { formatOutcome } from '../format.ts';
import { parseChoice } from '../options.ts';

interface ShowOptions {
  dataDir: string;
  output: 'text' | 'json' | 'yaml';
}

export function showCommand(program: Command, ctx: CliContext): void {
  program
    .command('show')
    .description(
      'one record whole: the alert, the diagnosis and its evidence, the plan, the policy decision, the change and its diff, the approval, the verification, who and when',
    )
    .argument('<id>', 'the record, as the ID column of kubemend history shows it')
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option('-o, --output <format>', 'text, json or yaml', parseChoice(['text', 'json', 'yaml']), 'text')
    .action(async (id: string, options: ShowOptions) => {
      const dataDir = resolve(options.dataDir);
      const store = createSqliteOutcomeStore(openLocalDatabase(dataDir, { create: false }));
      try {
        const outcome = await store.get(id);
        if (outcome === undefined) {
          throw new NotFoundError(`no record ${id} in ${dataDir} (kubemend history lists them, with their IDs)`);
        }
        ctx.io.stdout(
          options.output === 'json'
            ? `${JSON.stringify(outcome, null, 2)}\n`
            : options.output === 'yaml'
              ? stringify(outcome, { lineWidth: 0 })
              : `${formatOutcome(outcome)}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
