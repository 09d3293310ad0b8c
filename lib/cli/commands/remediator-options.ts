import type { Command } from 'commander';

import type { Outcome } from '../../domain/types.ts';
import type { CliContext } from '../context.ts';
import { exitCodeOf } from '../exit-codes.ts';
import { parseChoice } from '../options.ts';

/** What every command that runs the remediator on the embedded store takes. */
export interface RemediatorOptions {
  dataDir: string;
  config: string;
  context?: string;
  output: 'text' | 'json';
}

/** A command that runs the remediator on the embedded store, with its shared options. */
export function remediatorCommand(program: Command, ctx: CliContext, name: string): Command {
  return program
    .command(name)
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option('--config <file>', 'agent configuration', ctx.defaultConfig)
    .option('--context <name>', 'kubeconfig context (default: the current one)', ctx.env.KUBEMEND_KUBE_CONTEXT)
    .option('-o, --output <format>', 'text or json', parseChoice(['text', 'json']), 'text');
}

/** The record a command ended with, and its exit code (lib/cli/exit-codes.ts). */
export function printOutcome(ctx: CliContext, outcome: Outcome, output: 'text' | 'json'): void {
  ctx.io.stdout(
    output === 'json'
      ? `${JSON.stringify(outcome, null, 2)}\n`
      : `${outcome.id}: ${outcome.result ?? outcome.stage}: ${outcome.reason ?? ''}${outcome.change === undefined ? '' : `\n  change: ${outcome.change}`}\n`,
  );
  process.exitCode = exitCodeOf(outcome);
}
