import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { auditClusters } from '../../../lib/app/audit.ts';
import { createSqliteFindingsStore } from '../../../lib/audit/findings-store.ts';
import { ClusterUnreachableError } from '../../../lib/errors.ts';
import type { KubeApi } from '../../../lib/kube/kube-api.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { crashingPod } from '../../helpers/fixtures.ts';
import { silentLogger, testConfig } from '../../helpers/support.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** A cluster with one bare pod that cannot pull its image: one finding. */
function clusterNamed(name: string): KubeApi {
  const bare = crashingPod({ owner: null });
  bare.metadata!.name = 'debug-shell';
  bare.status!.containerStatuses![0]!.state = { waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } };
  const kube = new FakeKube().add(bare);
  return Object.assign(Object.create(kube) as KubeApi, { cluster: name });
}

describe('auditing the registry’s clusters', () => {
  it('audits every registered cluster, records each one’s findings under its name', async () => {
    const findings = createSqliteFindingsStore(new DatabaseSync(':memory:'));
    const config = testConfig({
      clusters: [
        { name: 'prod', kubeconfig: { context: 'prod' } },
        { name: 'staging', kubeconfig: { context: 'staging' } },
      ],
      rules: [],
    });

    const reports = await auditClusters(
      {
        config,
        kube: async (name) => clusterNamed(name ?? '?'),
        findings,
        metricsFor: () => undefined,
        logger: silentLogger,
        clock: () => now,
      },
      {},
    );

    expect(
      reports.map((report) => [report.cluster, report.new.map((f) => `${f.kind}/${f.name}/${f.anomaly}`)]),
    ).toEqual([
      ['prod', ['Pod/debug-shell/bad-image']],
      ['staging', ['Pod/debug-shell/bad-image']],
    ]);
  });

  it('keeps going past a cluster that fails, then fails naming it, so the schedule’s alarms see it', async () => {
    const findings = createSqliteFindingsStore(new DatabaseSync(':memory:'));
    const config = testConfig({
      clusters: [
        { name: 'prod', kubeconfig: { context: 'prod' } },
        { name: 'broken', kubeconfig: { context: 'broken' } },
        { name: 'staging', kubeconfig: { context: 'staging' } },
      ],
      rules: [],
    });
    const kube = async (name: string | undefined) => {
      if (name === 'broken') throw new ClusterUnreachableError('cannot reach https://broken.example (ECONNREFUSED)');
      return clusterNamed(name ?? '?');
    };

    const attempt = auditClusters(
      { config, kube, findings, metricsFor: () => undefined, logger: silentLogger, clock: () => now },
      {},
    );

    await expect(attempt).rejects.toThrow(
      'audit failed for 1 cluster(s): broken: cannot reach https://broken.example (ECONNREFUSED)',
    );
    // The others were recorded: their finding is still open in the next audit.
    expect((await findings.record('staging', [], now)).resolved).toHaveLength(1);
    expect((await findings.record('prod', [], now)).resolved).toHaveLength(1);
  });

  it('audits the kubeconfig cluster when the registry is empty, and resolves nothing after a truncated read', async () => {
    const findings = createSqliteFindingsStore(new DatabaseSync(':memory:'));
    const cut: string[] = [];
    const deps = {
      config: testConfig({ rules: [] }),
      kube: async () => clusterNamed('kind-dev'),
      findings,
      metricsFor: () => undefined,
      logger: silentLogger,
      clock: () => now,
    };
    await auditClusters(deps, {});

    const [report] = await auditClusters(deps, {
      maxPerKind: 1,
      namespaces: ['other'],
      onTruncated: (cluster, kind, max) => cut.push(`${cluster}:${kind}:${max}`),
    });

    expect(cut).toContain('kind-dev:Pod:1');
    expect(report?.resolved).toEqual([]);
  });
});
