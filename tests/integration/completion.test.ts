import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from '@jest/globals';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/kubemend.ts');
const work = mkdtempSync(join(tmpdir(), 'kubemend-shells-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function script(shell: string): Promise<string> {
  const file = join(work, `kubemend.${shell}`);
  writeFileSync(file, (await run(process.execPath, [CLI, 'completion', shell])).stdout);
  return file;
}

/** `kubemend completion zsh|fish` loaded by the real shells (Debian's zsh and fish, provisioned by scripts/testenv/debian.sh). */
describe('completion in zsh and fish', () => {
  it('registers with zsh’s completion system and answers through bashcompinit', async () => {
    const file = await script('zsh');
    const { stdout } = await run(
      'zsh',
      [
        '-f',
        '-c',
        // What bashcompinit's _bash_complete does before it calls the function: sh emulation, bash's variables.
        `autoload -U compinit && compinit -u -d ${join(work, 'zcompdump')}; source ${file}; print -r -- "\${_comps[kubemend]}"; emulate sh; COMP_WORDS=(kubemend kill-switch ""); COMP_CWORD=2; _kubemend; echo "\${COMPREPLY[@]}"`,
      ],
      { env: { PATH: process.env.PATH, HOME: work } },
    );

    expect(stdout.split('\n').slice(0, 2)).toEqual(['_bash_complete -F _kubemend', 'on off status']);
  });

  it('completes commands, options and choices in fish', async () => {
    const file = await script('fish');
    const complete = async (line: string) =>
      (
        await run('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`], {
          env: { PATH: process.env.PATH, HOME: work },
        })
      ).stdout
        .split('\n')
        .filter((entry) => entry !== '')
        .map((entry) => entry.split('\t')[0]);

    expect(await complete('kubemend hi')).toEqual(['history']);
    expect(await complete('kubemend history -o ')).toEqual(['json', 'table', 'wide', 'yaml']);
    expect(await complete('kubemend kill-switch ')).toEqual(['off', 'on', 'status']);
    expect(await complete('kubemend config ')).toEqual(['alertmanager', 'export', 'prometheus-rules', 'validate']);
  });
});
