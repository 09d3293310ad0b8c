import { describe, expect, it } from '@jest/globals';

import type { Alert } from '../../../lib/alert/schema.ts';
import { quotaHealth } from '../../../lib/detect/quota-health.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, computeQuota } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** KubeQuotaFullyUsed for team-a/compute, naming `resource` as kube-prometheus does. */
function quotaAlert(resource?: string): Alert {
  const alert = alertFixture();
  const labels = Object.assign(Object.create(null) as Record<string, string>, {
    alertname: 'KubeQuotaFullyUsed',
    namespace: 'team-a',
    resourcequota: 'compute',
    ...(resource === undefined ? {} : { resource }),
  });
  return { ...alert, labels };
}

describe('quota-health detector: observe', () => {
  it('reads the quota and copies the resource the alert names', async () => {
    const observed = await quotaHealth.observe(quotaAlert('requests.memory'), new FakeKube().add(computeQuota()));

    expect(observed).toMatchObject({ namespace: 'team-a', name: 'compute', resource: 'requests.memory' });
    expect(observed.quota?.metadata?.uid).toBe('c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e6f');
  });

  it('copies no resource when the alert names none', async () => {
    expect(await quotaHealth.observe(quotaAlert(), new FakeKube())).not.toHaveProperty('resource');
  });
});

describe('quota-health detector: diagnose', () => {
  it('names the exhausted resources of a quota, whatever their units, and what it refuses', () => {
    const diagnosis = quotaHealth.diagnose({ namespace: 'team-a', name: 'compute', quota: computeQuota() }, now);

    expect(diagnosis).toMatchObject({
      detector: 'quota-health',
      anomaly: 'quota-exhausted',
      target: { kind: 'ResourceQuota', namespace: 'team-a', name: 'compute' },
      summary:
        'ResourceQuota compute is exhausted for requests.memory (requests.memory: 8192Mi of 8Gi): new pods in team-a are refused until usage drops or the quota is raised',
      confidence: 0.8,
      facts: {},
    });
    expect(diagnosis.evidence.map((item) => item.message)).toEqual([
      'pods: 7 used of 20',
      'requests.cpu: 3500m used of 8',
      'requests.memory: 8192Mi used of 8Gi',
      'limits.memory: 14Gi used of 16Gi',
    ]);
  });

  it('puts the resource the alert names first among several exhausted ones', () => {
    const quota = computeQuota({ pods: '20' });

    const { summary } = quotaHealth.diagnose({ namespace: 'team-a', name: 'compute', resource: 'pods', quota }, now);

    expect(summary).toContain('is exhausted for pods, requests.memory (pods: 20 of 20)');
  });

  it('compares quantities across units: 8000m of 8 CPUs is exhausted, 7500m is not', () => {
    const exhausted = computeQuota({ 'requests.cpu': '8000m', 'requests.memory': '2Gi' });
    const below = computeQuota({ 'requests.cpu': '7500m', 'requests.memory': '2Gi' });

    expect(quotaHealth.diagnose({ namespace: 'team-a', name: 'compute', quota: exhausted }, now).summary).toContain(
      'exhausted for requests.cpu (requests.cpu: 8000m of 8)',
    );
    expect(quotaHealth.diagnose({ namespace: 'team-a', name: 'compute', quota: below }, now).anomaly).toBe(
      'quota-high',
    );
  });

  it('says a quota is close to its limits when nothing is exhausted yet', () => {
    const quota = computeQuota({ 'requests.memory': '7Gi' });

    expect(quotaHealth.diagnose({ namespace: 'team-a', name: 'compute', quota }, now)).toMatchObject({
      anomaly: 'quota-high',
      summary: 'ResourceQuota compute is close to its limits in namespace team-a',
    });
  });

  it('reports gone for a quota that no longer exists', () => {
    expect(quotaHealth.diagnose({ namespace: 'team-a', name: 'compute', quota: null }, now)).toMatchObject({
      anomaly: 'gone',
      summary: 'ResourceQuota team-a/compute no longer exists',
    });
  });
});

describe('quota-health detector: audit', () => {
  it('picks exhausted quotas and skips the others', () => {
    const roomy = computeQuota({ 'requests.memory': '2Gi' });
    roomy.metadata!.namespace = 'team-b';

    const found = [...quotaHealth.audit!.snapshots(createListing({ ResourceQuota: [computeQuota(), roomy] }), now)];

    expect(found.map((s) => `${s.namespace}/${s.name}`)).toEqual(['team-a/compute']);
  });
});
