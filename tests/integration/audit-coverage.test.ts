import { beforeAll, describe, expect, it } from '@jest/globals';

import type { Finding } from '../../lib/audit/finding.ts';
import { scanCluster } from '../../lib/audit/scan.ts';
import { BROKEN_WORKLOADS, seedBrokenWorkloads, type BrokenWorkload } from '../testenv/broken-workloads.ts';
import { applyShippedRbac, kubeApiFor } from '../testenv/cluster.ts';

/**
 * The audit finds every problem k8sgpt's pod, deployment, statefulset, replicaset, job, cronjob,
 * PVC, node, HPA and PDB analyzers report, seeded on the real control plane, as the detector
 * identity under the shipped RBAC.
 */
let seeded: { scenario: BrokenWorkload; namespace: string; refused?: string }[];
let findings: Finding[];

beforeAll(async () => {
  await applyShippedRbac();
  seeded = await seedBrokenWorkloads();
  findings = await scanCluster(kubeApiFor('detector'), { now: new Date() });
}, 300_000);

describe('audit coverage of k8sgpt’s checks', () => {
  it.each(BROKEN_WORKLOADS.map((scenario, index) => [`${scenario.analyzer}: ${scenario.check}`, index] as const))(
    'reports %s (or the API server refuses to let it exist)',
    (_name, index) => {
      const { scenario, namespace, refused } = seeded[index]!;
      if (refused !== undefined) {
        expect(refused).toMatch(/^the API server refuses it: /);
        return;
      }
      const finding = scenario.found(findings, namespace);
      expect(finding).toBeDefined();
      expect(finding!.summary.length).toBeGreaterThan(20);
    },
  );
});
