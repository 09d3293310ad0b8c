import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';

import { parseChoice } from '../../../lib/cli/options.ts';
import { createProgram } from '../../../lib/cli/program.ts';
import { cliReference } from '../../../lib/cli/reference.ts';

describe('the CLI reference', () => {
  it('is read from the commands themselves: arguments, options, choices and what each does', () => {
    const program = new Command('tool');
    program
      .command('fix')
      .description('fix one thing')
      .argument('<target>', 'what')
      .argument('[more...]', 'and these')
      .option('-o, --output <format>', 'how', parseChoice(['text', 'json']))
      .option('--dry-run', 'change nothing')
      .requiredOption('--to <file>', 'where');
    program.command('config').command('check').description('check it').argument('[file]', 'which');

    expect(cliReference(program)).toBe(
      [
        '```',
        '# fix one thing',
        'tool fix <target> [more...] [-o|--output text|json] [--dry-run] --to <file>',
        '',
        '# check it',
        'tool config check [file]',
        '```',
      ].join('\n'),
    );
  });

  it('lists every kubemend command, wrapping each synopsis under its name', () => {
    const program = createProgram({ stdout: () => undefined, stderr: () => undefined, env: {}, packageRoot: '.' });
    const reference = cliReference(program);

    for (const command of program.commands) expect(reference).toContain(`kubemend ${command.name()}`);
    expect(reference).toContain('kubemend kill-switch <on|off|status> [--stage <name>]');
    const lines = reference.split('\n');
    const history = lines.findIndex((line) => line.startsWith('kubemend history'));
    expect(lines[history + 1]).toMatch(/^ {17}\[/);
    // A line wraps before 110 characters, unless one option alone is longer (history's --result choices).
    expect(lines.filter((line) => line.length > 110 && !line.trim().startsWith('[--result'))).toEqual([]);
  });
});
