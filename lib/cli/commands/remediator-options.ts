import type { Command } from 'commander';

import type { Outcome } from '../../domain/types.ts';
import type { CliContext } from '../context.ts';
import { exitCodeOf } from '../exit-codes.ts';
import { parseChoice, withKubeOptions } from '../options.ts';
import { withStageOptions, type SystemOptions } from '../system.ts';

/** What every command that runs the remediator takes, on the embedded store or a stage. */
export interface RemediatorOptions extends SystemOptions {
  config: string;
  output: 'text' | 'json';
}

/** A command that runs the remediator (locally, or the stage's with `--stage`), with its shared options. */
export function remediatorCommand(program: Command, ctx: CliContext, name: string): Command {
  return withKubeOptions(
    withStageOptions(program.command(name))
      .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
      .option('--config <file>', 'agent configuration', ctx.defaultConfig),
    ctx.env.KUBEMEND_KUBE_CONTEXT,
  ).option('-o, --output <format>', 'text or json', parseChoice(['text', 'json']), 'text');
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
