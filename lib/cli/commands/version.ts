import type { Command } from 'commander';

import { buildInfo, formatBuildInfo } from '../../version.ts';
import type { CliContext } from '../context.ts';
import { parseChoice } from '../options.ts';

export function versionCommand(program: Command, { io }: CliContext): void {
  program
    .command('version')
    .description('print the version and the git commit this build came from')
    .option('-o, --output <format>', 'text or json', parseChoice(['text', 'json']), 'text')
    .action((options: { output: 'text' | 'json' }) => {
      const info = buildInfo();
      io.stdout(options.output === 'json' ? `${JSON.stringify(info)}\n` : `kubemend ${formatBuildInfo(info)}\n`);
    });
}
