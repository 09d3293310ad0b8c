import type { Command } from 'commander';

import { ValidationError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { fixedWidthTable } from '../format.ts';
import { parseChoice } from '../options.ts';
import { openSystem, withStageOptions, type DeadLetterView, type SystemOptions } from '../system.ts';

interface DeadLetterOptions extends SystemOptions {
  output: 'table' | 'json';
  topic?: DeadLetterView['topic'];
  redrive?: boolean;
  purge?: boolean;
}

/**
 * `kubemend dead-letters`: the messages the queues set aside after their last attempt (the local
 * queues' dead letters, or the stage's SQS dead-letter queues), and putting them back or deleting them.
 */
export function deadLettersCommand(program: Command, ctx: CliContext): void {
  withStageOptions(program.command('dead-letters'))
    .description('messages the queues gave up on; --redrive puts them back, --purge deletes them')
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option('--topic <topic>', 'only this queue (alerts or plans)', parseChoice(['alerts', 'plans']))
    .option('-o, --output <format>', 'table or json', parseChoice(['table', 'json']), 'table')
    .option(
      '--redrive',
      'put them back as new messages (the stage, or a running kubemend serve, takes them within seconds)',
    )
    .option('--purge', 'delete them')
    .action(async (options: DeadLetterOptions) => {
      if (options.redrive === true && options.purge === true) {
        throw new ValidationError('--redrive and --purge exclude each other');
      }
      // Dead letters live in a store a server made: this command never makes one.
      const system = await openSystem(ctx, options);
      if (options.redrive === true) {
        ctx.io.stdout(`${await system.redrive(options.topic)} dead letters put back\n`);
      } else if (options.purge === true) {
        ctx.io.stdout(`${await system.purge(options.topic)} dead letters deleted\n`);
      } else {
        const letters = await system.deadLetters(options.topic);
        ctx.io.stdout(options.output === 'json' ? `${JSON.stringify(letters, null, 2)}\n` : `${table(letters)}\n`);
      }
    });
}

function table(letters: readonly DeadLetterView[]): string {
  if (letters.length === 0) return 'no dead letters';
  const rows = letters.map((letter) => [
    letter.id,
    letter.topic,
    String(letter.attempts),
    (letter.lastError ?? '').replace(/\s+/g, ' ').slice(0, 120),
  ]);
  return fixedWidthTable(['ID', 'QUEUE', 'ATTEMPTS', 'LAST ERROR'], rows);
}
