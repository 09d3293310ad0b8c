import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

import { createProgram } from '../../../../lib/cli/program.ts';
import { NotFoundError } from '../../../../lib/errors.ts';
import { createSqliteOutcomeStore, openLocalDatabase } from '../../../../lib/store/sqlite-outcome-store.ts';
import { alertFixture } from '../../../helpers/fixtures.ts';
import { runCli } from '../../../helpers/cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-show-'));
const ID = 'db557f6812d5890b@2026-11-26T02:14:05.123Z';

beforeAll(async () => {
  const store = createSqliteOutcomeStore(openLocalDatabase(dataDir));
  const claim = await store.claim({ id: ID, alert: alertFixture(), cluster: 'prod', now: new Date(), leaseMs: 60_000 });
  await store.save(
    {
      ...claim.outcome,
      stage: 'done',
      result: 'applied',
      reason: 'restarted',
      diagnosis: {
        detector: 'crash-loop',
        anomaly: 'crash-loop',
        target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
        summary: 'container app is crash looping',
        confidence: 0.9,
        evidence: [{ source: 'pod', message: 'last termination: Error, exit code 1' }],
        facts: {},
      },
      plan: {
        action: 'rollout-restart',
        target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
        params: { restartedAt: '2026-11-26T02:15:00.000Z' },
        reason: 'crash loop',
      },
      policy: { allowed: true, mode: 'enforce', reason: 'rule KubePodCrashLooping enforces' },
      change: 'set kubectl.kubernetes.io/restartedAt',
      diff: ['spec.template.metadata.annotations: (none) → {…}'],
      approval: { requestedAt: 'a', expiresAt: 'b', by: 'alice', at: '2026-11-26T02:16:00.000Z' },
      verification: { status: 'verified', detail: 'all 2 replicas updated and available', checkedAt: 'c' },
    },
    null,
  );
  await store.close();
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('kubemend show', () => {
  it('prints one record whole: alert, diagnosis and evidence, plan, policy, approval, change, diff, verification', async () => {
    const { out } = await runCli(['show', ID, '--data-dir', dataDir], process.cwd());

    expect(out.split('\n')).toEqual(
      expect.arrayContaining([
        ID,
        '  result: applied — restarted',
        '  diagnosis: crash-loop on deployment/payments/checkout by crash-loop (confidence 0.9)',
        '    - [pod] last termination: Error, exit code 1',
        '  plan: rollout-restart deployment/payments/checkout (restartedAt="2026-11-26T02:15:00.000Z") — crash loop',
        '  policy: allowed in enforce — rule KubePodCrashLooping enforces',
        '  approval: by alice at 2026-11-26T02:16:00.000Z',
        '  change: set kubectl.kubernetes.io/restartedAt',
        '    spec.template.metadata.annotations: (none) → {…}',
        '  verification: verified at c — all 2 replicas updated and available',
      ]),
    );
    expect(out).toMatch(/^ {2}alert: KubePodCrashLooping firing on prod; .*namespace=payments/m);
  });

  it('prints it as JSON or YAML, the same record', async () => {
    const json: unknown = JSON.parse(
      (await runCli(['show', ID, '--data-dir', dataDir, '-o', 'json'], process.cwd())).out,
    );
    const yaml: unknown = parse((await runCli(['show', ID, '--data-dir', dataDir, '-o', 'yaml'], process.cwd())).out);

    expect(json).toMatchObject({ id: ID, result: 'applied', plan: { action: 'rollout-restart' } });
    expect(yaml).toEqual(json);
  });

  it('names a record it does not have, and where it looked', async () => {
    const program = createProgram({
      stdout: () => undefined,
      stderr: () => undefined,
      env: {},
      packageRoot: process.cwd(),
    });

    await expect(program.parseAsync(['node', 'kubemend', 'show', 'nope@x', '--data-dir', dataDir])).rejects.toThrow(
      new NotFoundError(
        `no record nope@x in the data directory ${dataDir} (kubemend history lists them, with their IDs)`,
      ),
    );
  });
});
