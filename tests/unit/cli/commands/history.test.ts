import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

import { createSqliteOutcomeStore, openLocalDatabase } from '../../../../lib/store/sqlite-outcome-store.ts';
import { alertFixture } from '../../../helpers/fixtures.ts';
import { cliExit, runCli } from '../../../helpers/cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-history-'));

beforeAll(async () => {
  const store = createSqliteOutcomeStore(openLocalDatabase(dataDir));
  for (const [n, severity] of [
    [1, 'warning'],
    [2, 'critical'],
  ] as const) {
    const base = alertFixture();
    const alert = { ...base, fingerprint: `fp${n}`, labels: { ...base.labels, severity } };
    const claim = await store.claim({ id: `fp${n}@x`, alert, cluster: 'prod', now: new Date(), leaseMs: 1 });
    await store.save({ ...claim.outcome, stage: 'done', result: 'no-action' }, null);
  }
  await store.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('kubemend history', () => {
  it("narrows by the alert's labels with -l, as kubectl's selector", async () => {
    const ids = async (...args: string[]) =>
      (
        JSON.parse((await runCli(['history', '--data-dir', dataDir, '-o', 'json', ...args], process.cwd())).out) as {
          id: string;
        }[]
      ).map((outcome) => outcome.id);

    expect(await ids('-l', 'severity=critical')).toEqual(['fp2@x']);
    expect(await ids('-l', 'severity!=critical')).toEqual(['fp1@x']);
    expect((await ids('-A')).sort()).toEqual(['fp1@x', 'fp2@x']);
  });

  it('prints a wide table with the cluster and who asked, and YAML, as kubectl -o does', async () => {
    const wide = (await runCli(['history', '--data-dir', dataDir, '-o', 'wide'], process.cwd())).out.split('\n');
    expect(wide[0]).toMatch(/^ID\s+AGE\s+CLUSTER\s+BY\s+ALERT\s+TARGET\s+RESULT\s+ACTION\s+REASON$/);
    expect(wide[1]).toMatch(/^fp\d@x\s+\d+s\s+prod\s+-\s+KubePodCrashLooping\s/);
    const yaml = parse((await runCli(['history', '--data-dir', dataDir, '-o', 'yaml'], process.cwd())).out) as {
      id: string;
    }[];
    expect(yaml.map((outcome) => outcome.id).sort()).toEqual(['fp1@x', 'fp2@x']);
  });

  it('refuses a selector it cannot read, and -A with -n, as usage', async () => {
    const fail = (...args: string[]) => cliExit(['history', '--data-dir', dataDir, ...args]);

    expect(await fail('-l', 'team in (a)')).toMatchObject({
      code: 2,
      message: expect.stringContaining('label selector: cannot read'),
    });
    expect(await fail('-A', '-n', 'shop')).toEqual({
      code: 2,
      message: 'kubemend: -A (every namespace) and -n (this namespace) exclude each other',
    });
  });
});
