import { describe, expect, it } from '@jest/globals';

import { whileWaiting } from '../../../lib/cli/progress.ts';

describe('progress while a command waits', () => {
  it('says what it waits for on a terminal, then how long, and stops when the work ends', async () => {
    const lines: string[] = [];
    let now = 0;
    const answer = await whileWaiting(
      { progress: true, stderr: (text) => lines.push(text) },
      'approving x',
      async () => {
        for (let i = 0; i < 3; i++) {
          now += 1_000;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        return 42;
      },
      { everyMs: 20, clock: () => now },
    );
    const after = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 60));

    expect(answer).toBe(42);
    expect(lines[0]).toBe('approving x …\n');
    expect(lines.slice(1).every((line) => /^ {2}still approving x \(\ds\)\n$/.test(line))).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines).toHaveLength(after);
  });

  it('prints nothing when stderr is not a terminal (a script, a pipe)', async () => {
    const lines: string[] = [];
    expect(await whileWaiting({ progress: false, stderr: (text) => lines.push(text) }, 'x', async () => 'done')).toBe(
      'done',
    );
    expect(lines).toEqual([]);
  });
});
