import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { createProgram } from '../../../../lib/cli/program.ts';
import { createLocalQueues } from '../../../../lib/queue/sqlite-queue.ts';
import { openLocalDatabase } from '../../../../lib/store/sqlite-outcome-store.ts';
import { runCli } from '../../../helpers/cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-dead-letters-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Two messages in the data directory's queues that failed their only attempt. */
async function deadLetters(): Promise<void> {
  const db = openLocalDatabase(dataDir);
  const queues = createLocalQueues(db, { maxAttempts: 1, visibilityMs: 60_000, retryDelayMs: 1 });
  queues.consume('plans', async () => Promise.reject(new Error('cluster said no')));
  queues.consume('alerts', async () => Promise.reject(new Error('bad alert')));
  await queues.queue('plans').send([{ id: 'p' }]);
  await queues.queue('alerts').send([{ id: 'a' }]);
  const deadline = Date.now() + 5_000;
  while (queues.deadLetters().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await queues.stop();
  db.close();
}

describe('kubemend dead-letters', () => {
  it('shows the messages the queues gave up on, and puts them back or deletes them', async () => {
    await deadLetters();

    const listed = await runCli(['dead-letters', '--data-dir', dataDir], process.cwd());
    expect(listed.out).toMatch(/^ID\s+QUEUE\s+ATTEMPTS\s+LAST ERROR\n/);
    expect(listed.out).toContain('internal_error: cluster said no');
    const json = await runCli(
      ['dead-letters', '--data-dir', dataDir, '--output', 'json', '--topic', 'alerts'],
      process.cwd(),
    );
    expect(JSON.parse(json.out)).toEqual([
      expect.objectContaining({ topic: 'alerts', body: '{"id":"a"}', attempts: 1 }),
    ]);

    expect(
      (await runCli(['dead-letters', '--data-dir', dataDir, '--redrive', '--topic', 'plans'], process.cwd())).out,
    ).toBe('1 dead letters put back\n');
    expect((await runCli(['dead-letters', '--data-dir', dataDir, '--purge'], process.cwd())).out).toBe(
      '1 dead letters deleted\n',
    );
    expect((await runCli(['dead-letters', '--data-dir', dataDir], process.cwd())).out).toBe('no dead letters\n');
  });

  it('refuses --redrive with --purge', async () => {
    const program = createProgram({
      stdout: () => undefined,
      stderr: () => undefined,
      env: {},
      packageRoot: process.cwd(),
    });

    await expect(
      program.parseAsync(['node', 'kubemend', 'dead-letters', '--data-dir', dataDir, '--redrive', '--purge']),
    ).rejects.toThrow('--redrive and --purge exclude each other');
  });
});
