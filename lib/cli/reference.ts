import type { Command } from 'commander';

/** How wide a synopsis line may run before it wraps, in the README's code block. */
const WIDTH = 110;

/**
 * The CLI reference the README carries, read from the commands' own definitions (their
 * arguments, options and descriptions), so that it cannot drift from what `--help` says: one
 * comment line of what each command does, then its synopsis, wrapped under its name.
 */
export function cliReference(program: Command): string {
  const blocks: string[] = [];
  const visit = (command: Command, path: string) => {
    const name = `${path} ${command.name()}`;
    if (command.commands.length > 0) {
      for (const sub of command.commands) visit(sub, name);
      return;
    }
    blocks.push([...wrap(command.description(), '# ', '# '), ...synopsis(name, command)].join('\n'));
  };
  for (const command of program.commands) visit(command, program.name());
  return ['```', blocks.join('\n\n'), '```'].join('\n');
}

/** `table|json` for a parser made by parseChoice (lib/cli/options.ts). */
function choicesOf(parse: unknown): string | undefined {
  const choices = (parse as { choices?: unknown } | undefined)?.choices;
  return Array.isArray(choices) ? choices.join('|') : undefined;
}

function wrap(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first.trimEnd();
  for (const word of text.split(/\s+/)) {
    if (line.length + 1 + word.length > WIDTH && line.length > rest.length) {
      lines.push(line);
      line = rest.trimEnd();
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

function synopsis(name: string, command: Command): string[] {
  const words = [
    ...command.registeredArguments.map((argument) => {
      const choices = choicesOf(argument.parseArg);
      const shown = choices ?? `${argument.name()}${argument.variadic ? '...' : ''}`;
      return argument.required ? `<${shown}>` : `[${shown}]`;
    }),
    ...command.options
      .filter((option) => !option.hidden)
      .map((option) => {
        const choices = choicesOf(option.parseArg);
        const flags = option.flags.replace(/^(-\w), (--)/, '$1|$2');
        const shown = choices === undefined ? flags : flags.replace(/<[^>]+>/, choices);
        // A required option is shown as kubectl shows one: without brackets.
        return option.mandatory ? shown : `[${shown}]`;
      }),
  ];
  const lines: string[] = [];
  let line = name;
  for (const word of words) {
    if (line.length + 1 + word.length > WIDTH && line.trim() !== '') {
      lines.push(line);
      line = ' '.repeat(name.length);
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}
