import type { Command } from 'commander';

import { completionScript, SHELLS, type Shell } from '../completion.ts';
import type { CliContext } from '../context.ts';
import { parseChoice } from '../options.ts';

/** `kubemend completion bash|zsh|fish`: the shell's completion script, from the commands themselves. */
export function completionCommand(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .description(
      'print the shell completion script: source <(kubemend completion bash), or zsh the same, or kubemend completion fish | source',
    )
    .argument('<shell>', 'bash, zsh or fish', parseChoice(SHELLS))
    .action((shell: Shell) => {
      ctx.io.stdout(completionScript(program, shell));
    });
}
