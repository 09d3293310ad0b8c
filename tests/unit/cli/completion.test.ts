import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { completionScript } from '../../../lib/cli/completion.ts';
import { createProgram } from '../../../lib/cli/program.ts';

const program = createProgram({ stdout: () => undefined, stderr: () => undefined, env: {}, packageRoot: '.' });
const work = mkdtempSync(join(tmpdir(), 'kubemend-completion-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What bash offers after `words` (the last one being completed), through the generated function. */
function bashOffers(...words: string[]): string[] {
  const script = join(work, 'kubemend.bash');
  writeFileSync(script, completionScript(program, 'bash'));
  const quoted = words.map((word) => `'${word}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source ${script}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _kubemend; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { cwd: work, encoding: 'utf8' },
  );
  return out.split('\n').filter((line) => line !== '');
}

describe('shell completion, from the commands themselves', () => {
  it('completes commands, subcommands, options and their choices in bash', () => {
    expect(bashOffers('kubemend', 'hi')).toEqual(['history']);
    expect(bashOffers('kubemend', '')).toEqual(program.commands.map((command) => command.name()));
    expect(bashOffers('kubemend', 'config', '')).toEqual(['export', 'alertmanager', 'prometheus-rules', 'validate']);
    expect(bashOffers('kubemend', 'history', '-o', '')).toEqual(['table', 'wide', 'json', 'yaml']);
    expect(bashOffers('kubemend', 'history', '--stage', 'prod', '--res')).toEqual(['--result']);
    expect(bashOffers('kubemend', 'kill-switch', 's')).toEqual(['status']);
    expect(bashOffers('kubemend', 'run', 'scale', 'deploy/x', '--mode', 'e')).toEqual(['enforce']);
  });

  it('offers files for a value without choices, and none for a word it knows nothing of', () => {
    writeFileSync(join(work, 'alert.json'), '{}');
    expect(bashOffers('kubemend', 'diagnose', 'ale')).toEqual(['alert.json']);
    expect(bashOffers('kubemend', 'history', '--data-dir', 'kubemend.b')).toEqual(['kubemend.bash']);
  });

  it('writes zsh through bashcompinit, and fish with descriptions', () => {
    expect(completionScript(program, 'zsh').split('\n').slice(0, 2)).toEqual([
      '#compdef kubemend',
      'autoload -U +X bashcompinit && bashcompinit',
    ]);
    const fish = completionScript(program, 'fish');
    expect(fish).toContain(
      "complete -c kubemend -n '__fish_use_subcommand' -a 'history' -d 'recent outcomes, newest first'",
    );
    expect(fish).toContain(
      "complete -c kubemend -n '__fish_seen_subcommand_from history' -s o -l output -x -a 'table wide json yaml'",
    );
  });
});
