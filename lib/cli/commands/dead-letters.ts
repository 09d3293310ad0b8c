import { resolve } from 'node:path';

import type { Command } from 'commander';

import { ValidationError } from '../../errors.ts';
import { createLocalQueues, type DeadLetter } from '../../queue/sqlite-queue.ts';
import { openLocalDatabase } from '../../store/sqlite-outcome-store.ts';
import type { CliContext } from '../context.ts';
import { fixedWidthTable } from '../format.ts';
import { parseChoice } from '../options.ts';

interface DeadLetterOptions {
  dataDir: string;
  output: 'table' | 'json';
  topic?: string;
  redrive?: boolean;
  purge?: boolean;
}

/**
 * `kubemend dead-letters`: the messages the local queues set aside after their last attempt
 * (what an SQS dead-letter queue holds on AWS), and putting them back or deleting them.
 */
export function deadLettersCommand(program: Command, ctx: CliContext): void {
  program
    .command('dead-letters')
    .description('messages the local queues gave up on; --redrive puts them back, --purge deletes them')
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option('--topic <topic>', 'only this queue (alerts or plans)', parseChoice(['alerts', 'plans']))
    .option('-o, --output <format>', 'table or json', parseChoice(['table', 'json']), 'table')
    .option('--redrive', 'put them back as new messages (a running kubemend serve takes them within seconds)')
    .option('--purge', 'delete them')
    .action((options: DeadLetterOptions) => {
      if (options.redrive === true && options.purge === true) {
        throw new ValidationError('--redrive and --purge exclude each other');
      }
      // Dead letters live in a store a server made: this command never makes one.
      const db = openLocalDatabase(resolve(options.dataDir), { create: false });
      try {
        const queues = createLocalQueues(db, { maxAttempts: 1, visibilityMs: 1, retryDelayMs: 1 });
        if (options.redrive === true) {
          ctx.io.stdout(`${queues.redrive(options.topic)} dead letters put back\n`);
        } else if (options.purge === true) {
          ctx.io.stdout(`${queues.purge(options.topic)} dead letters deleted\n`);
        } else {
          const letters = queues.deadLetters().filter((l) => options.topic === undefined || l.topic === options.topic);
          ctx.io.stdout(options.output === 'json' ? `${JSON.stringify(letters, null, 2)}\n` : `${table(letters)}\n`);
        }
      } finally {
        db.close();
      }
    });
}

function table(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters';
  const rows = letters.map((letter) => [
    String(letter.seq),
    letter.topic,
    String(letter.attempts),
    (letter.lastError ?? '').replace(/\s+/g, ' ').slice(0, 120),
  ]);
  return fixedWidthTable(['SEQ', 'QUEUE', 'ATTEMPTS', 'LAST ERROR'], rows);
}
