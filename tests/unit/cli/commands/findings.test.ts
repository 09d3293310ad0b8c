import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { createSqliteFindingsStore } from '../../../../lib/audit/findings-store.ts';
import { openLocalDatabase } from '../../../../lib/store/sqlite-outcome-store.ts';
import { sampleFinding } from '../../../contracts/findings-store.contract.ts';
import { runCli } from '../../../helpers/cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-findings-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('kubemend findings', () => {
  it('lists what the audits left open, per cluster, with how long each has been open', async () => {
    const db = openLocalDatabase(dataDir);
    const store = createSqliteFindingsStore(db);
    await store.record('prod', [sampleFinding('a'), sampleFinding('b')], new Date(Date.now() - 3 * 3_600_000));
    await store.record('prod', [sampleFinding('b')], new Date(Date.now() - 3_600_000));
    await store.record('staging', [sampleFinding('c')], new Date());
    db.close();

    const table = (await runCli(['findings', '--data-dir', dataDir], process.cwd())).out.split('\n');
    expect(table[0]).toMatch(/^CLUSTER\s+OBJECT\s+ANOMALY\s+OPEN FOR\s+SUMMARY$/);
    expect(table.slice(1, 3)).toEqual([
      expect.stringMatching(/^prod\s+Pod\/ns\/b\s+a\s+3h\s+problem b$/),
      expect.stringMatching(/^staging\s+Pod\/ns\/c\s+a\s+\d+s\s+problem c$/),
    ]);
    const json = JSON.parse(
      (await runCli(['findings', '--data-dir', dataDir, '--cluster', 'staging', '-o', 'json'], process.cwd())).out,
    ) as unknown;
    expect(json).toEqual([expect.objectContaining({ cluster: 'staging', key: 'c', summary: 'problem c' })]);
  });

  it('names a data directory with no store instead of making one', async () => {
    expect((await runCli(['findings', '--data-dir', join(dataDir, 'none')], process.cwd())).exitCode).not.toBe(0);
  });
});
