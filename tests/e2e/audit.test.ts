import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { AuditReport } from '../../lib/audit/findings-store.ts';
import {
  admin,
  applyShippedRbac,
  createCrashLoopingDeployment,
  createNamespace,
  testKubeconfig,
} from '../testenv/cluster.ts';

/** `kubemend audit` as an operator runs it, against the real control plane, three times. */
const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/kubemend.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-audit-'));
let namespace: string;

beforeAll(async () => {
  await applyShippedRbac();
  namespace = await createNamespace('audit');
}, 60_000);

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function audit(output: 'json' | 'markdown' = 'json'): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'audit', '--context', 'kubemend', '--namespace', namespace, '--data-dir', dataDir, '--output', output],
    { env: { PATH: process.env.PATH, HOME: dataDir, KUBECONFIG: testKubeconfig() } },
  );
  return stdout;
}

const keys = (findings: { key: string }[]) =>
  findings.map((finding) => finding.key).filter((key) => key.includes(namespace));

describe('kubemend audit', () => {
  it('finds a broken workload, keeps it open on the next audit, and reports it resolved once fixed', async () => {
    await createCrashLoopingDeployment(namespace, 'checkout');

    const first = JSON.parse(await audit()) as AuditReport;
    const second = JSON.parse(await audit()) as AuditReport;
    const markdown = await audit('markdown');
    await admin().apps.deleteNamespacedDeployment({ namespace, name: 'checkout' });
    const third = JSON.parse(await audit()) as AuditReport;

    const key = `Deployment/${namespace}/checkout/app-crash`;
    expect(keys(first.new)).toEqual([key]);
    expect(first.new[0]).toMatchObject({
      detector: 'deployment-health',
      summary: expect.stringContaining('container app keeps exiting with code 1'),
    });
    expect(keys(second.open)).toEqual([key]);
    expect(keys(second.new)).toEqual([]);
    expect(markdown).toContain(`- **deployment/${namespace}/checkout** — \`app-crash\``);
    expect(keys(third.resolved)).toEqual([key]);
  }, 120_000);
});
