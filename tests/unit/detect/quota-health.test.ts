import { join } from 'node:path';

import type { CoreV1Event, V1ResourceQuota } from '@kubernetes/client-node';
import { describe, expect, it } from '@jest/globals';

import type { Alert } from '../../../lib/alert/schema.ts';
import { findRule, loadAgentConfig } from '../../../lib/config/agent-config.ts';
import { quotaHealth, type QuotaSnapshot } from '../../../lib/detect/quota-health.ts';
import { quotaGate } from '../../../lib/detect/quota-resources.ts';
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

/** team-a/compute limiting exactly `rows` (resource → [used, hard]), as the quota controller reports it. */
function quotaOf(rows: Record<string, [string, string]>): V1ResourceQuota {
  const hard = Object.fromEntries(Object.entries(rows).map(([resource, [, limit]]) => [resource, limit]));
  const used = Object.fromEntries(Object.entries(rows).map(([resource, [use]]) => [resource, use]));
  return { ...computeQuota(), spec: { hard }, status: { hard, used } };
}

/** The ReplicaSet controller's FailedCreate when quota admission refuses one of its pods. */
function quotaEvent(replicaSet: string, at: string, quota = 'compute'): CoreV1Event {
  return {
    kind: 'Event',
    metadata: { name: `${replicaSet}.17b3`, namespace: 'team-a' },
    involvedObject: { kind: 'ReplicaSet', name: replicaSet, namespace: 'team-a' },
    reason: 'FailedCreate',
    message: `Error creating: pods "${replicaSet}-x1" is forbidden: exceeded quota: ${quota}, requested: requests.memory=512Mi, used: requests.memory=8Gi, limited: requests.memory=8Gi`,
    type: 'Warning',
    count: 4,
    lastTimestamp: new Date(at),
  };
}

describe('quota-health detector: observe', () => {
  it('reads the Warning events that say this quota refused a create, and no others', async () => {
    const kube = new FakeKube().add(
      computeQuota(),
      quotaEvent('worker-5d8f', '2026-11-26T02:18:00Z'),
      quotaEvent('worker-7c9a', '2026-11-26T02:19:00Z'),
      quotaEvent('batch-1a2b', '2026-11-26T02:19:30Z', 'compute-large'),
      { ...quotaEvent('worker-0f0f', '2026-11-26T02:19:40Z'), type: 'Normal' } as CoreV1Event,
    );

    const observed = await quotaHealth.observe(quotaAlert('requests.memory'), kube);

    expect(observed.events?.map((event) => event.involvedObject.name)).toEqual(['worker-5d8f', 'worker-7c9a']);
  });

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
  const diagnose = (quota: V1ResourceQuota | null, extra: Partial<QuotaSnapshot> = {}) =>
    quotaHealth.diagnose({ namespace: 'team-a', name: 'compute', quota, ...extra }, now);

  it('says which resource is used up, by how much, and what that refuses: pods that request memory', () => {
    const diagnosis = diagnose(computeQuota());

    expect(diagnosis).toMatchObject({
      detector: 'quota-health',
      anomaly: 'quota-exhausted',
      target: { kind: 'ResourceQuota', namespace: 'team-a', name: 'compute' },
      summary:
        'ResourceQuota team-a/compute has used 8192Mi of 8Gi requests.memory: new pods that request memory in team-a are refused (and with them rollouts, scale-ups and Job runs that need new pods), until usage drops or the quota is raised',
      confidence: 0.8,
      facts: {},
    });
  });

  it('names the scope of a scoped quota, which refuses only the pods in it', () => {
    const quota = computeQuota();
    quota.spec = {
      ...quota.spec,
      scopes: ['NotBestEffort'],
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] },
    };

    expect(diagnose(quota).summary).toContain(
      'new pods that request memory in team-a (only those in its scope: NotBestEffort; PriorityClass In high) are refused',
    );
  });

  it('bounds the text of a refusal it cites', () => {
    const event = quotaEvent('checkout-7d9f8b6c5d', '2026-11-26T02:18:00Z');
    event.message = `${event.message ?? ''} ${'x'.repeat(10_000)}`;

    const cited = diagnose(computeQuota(), { events: [event] }).evidence.find((e) => e.source.startsWith('event'));

    expect(cited?.message).toHaveLength(400);
  });

  it('keeps as evidence every resource at 90% of its hard limit or more, and no other', () => {
    const quota = computeQuota({ 'limits.memory': '15Gi' });

    expect(diagnose(quota).evidence).toEqual([
      { source: 'quota.status', message: 'requests.memory: 8192Mi used of 8Gi (100%)' },
      { source: 'quota.status', message: 'limits.memory: 15Gi used of 16Gi (93%)' },
    ]);
  });

  it('words a quota on PersistentVolumeClaims by what it refuses, not as pods', () => {
    const diagnosis = diagnose(
      quotaOf({ persistentvolumeclaims: ['10', '10'], 'requests.storage': ['60Gi', '100Gi'] }),
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'quota-exhausted',
      summary:
        'ResourceQuota team-a/compute has used 10 of 10 persistentvolumeclaims: new PersistentVolumeClaims in team-a are refused, until usage drops or the quota is raised',
    });
    expect(diagnosis.summary).not.toMatch(/pods/);
  });

  it.each([
    [
      'requests.storage',
      ['100Gi', '100Gi'],
      'new PersistentVolumeClaims that request storage (and expansions of existing ones)',
    ],
    ['services', ['5', '5'], 'new Services'],
    ['count/configmaps', ['50', '50'], 'new ConfigMaps'],
    ['count/deployments.apps', ['4', '4'], 'new Deployments'],
    ['requests.cpu', ['2', '2'], 'new pods that request CPU'],
  ])('says what a used-up %s refuses', (resource, [used, hard], refused) => {
    const { summary } = diagnose(quotaOf({ [resource]: [used!, hard!] }));

    expect(summary).toContain(`has used ${used} of ${hard} ${resource}: ${refused} in team-a are refused`);
  });

  it('names every used-up resource, the one the alert names first, and new pods once for all of them', () => {
    const quota = computeQuota({ pods: '20' });

    const { summary } = diagnose(quota, { resource: 'requests.memory' });

    expect(summary).toBe(
      'ResourceQuota team-a/compute has used 8192Mi of 8Gi requests.memory and 20 of 20 pods: new pods in team-a are refused (and with them rollouts, scale-ups and Job runs that need new pods), until usage drops or the quota is raised',
    );
  });

  it('says a quota is over its hard limit when it was set below what was in use (KubeQuotaExceeded)', () => {
    const { anomaly, summary } = diagnose(quotaOf({ pods: ['12', '10'] }));

    expect(anomaly).toBe('quota-exhausted');
    expect(summary).toContain('has used 12 of 10 pods (more than its hard limit, which was set below what was in use)');
  });

  it('compares quantities across units: 8000m of 8 CPUs is used up, 7500m is almost', () => {
    const exhausted = computeQuota({ 'requests.cpu': '8000m', 'requests.memory': '2Gi' });
    const almost = computeQuota({ 'requests.cpu': '7500m', 'requests.memory': '2Gi' });

    expect(diagnose(exhausted).summary).toContain('has used 8000m of 8 requests.cpu: new pods that request CPU');
    expect(diagnose(almost).anomaly).toBe('quota-high');
  });

  it('says what will be refused when a resource is almost used up (KubeQuotaAlmostFull)', () => {
    const quota = quotaOf({ 'requests.cpu': ['1900m', '2'], 'requests.memory': ['1Gi', '4Gi'] });

    expect(diagnose(quota, { resource: 'requests.cpu' })).toMatchObject({
      anomaly: 'quota-high',
      summary:
        'ResourceQuota team-a/compute has used 1900m of 2 requests.cpu (95%): new pods that request CPU in team-a will be refused once it is used up (and with them rollouts, scale-ups and Job runs that need new pods)',
      evidence: [{ source: 'quota.status', message: 'requests.cpu: 1900m used of 2 (95%)' }],
    });
  });

  it('reports a quota below 90% of every hard limit as recovered, with its fullest resource', () => {
    const quota = computeQuota({ 'requests.memory': '7Gi' });

    expect(diagnose(quota)).toMatchObject({
      anomaly: 'recovered',
      summary:
        'ResourceQuota team-a/compute is below 90% of every hard limit now (highest: 7Gi of 8Gi requests.memory, 87%)',
      evidence: [{ source: 'quota.status', message: 'requests.memory: 7Gi used of 8Gi (87%)' }],
    });
    expect(quotaHealth.settled).toContain('recovered');
  });

  it('counts a hard limit of 0 as used up', () => {
    expect(diagnose(quotaOf({ 'services.loadbalancers': ['0', '0'] }))).toMatchObject({
      anomaly: 'quota-exhausted',
      summary: expect.stringContaining('has used 0 of 0 services.loadbalancers: new Services of type LoadBalancer'),
    });
  });

  it('cites the creates the quota refused, newest first', () => {
    const events = [
      quotaEvent('worker-5d8f', '2026-11-26T02:18:00Z'),
      quotaEvent('worker-7c9a', '2026-11-26T02:19:00Z'),
    ];

    expect(diagnose(computeQuota(), { events }).evidence.slice(1)).toEqual([
      {
        source: 'event ReplicaSet/worker-7c9a',
        message:
          'FailedCreate ×4: Error creating: pods "worker-7c9a-x1" is forbidden: exceeded quota: compute, requested: requests.memory=512Mi, used: requests.memory=8Gi, limited: requests.memory=8Gi',
        at: '2026-11-26T02:19:00.000Z',
      },
      expect.objectContaining({ source: 'event ReplicaSet/worker-5d8f' }),
    ]);
  });

  it('reports gone for a quota that no longer exists', () => {
    expect(diagnose(null)).toMatchObject({
      anomaly: 'gone',
      summary: 'ResourceQuota team-a/compute no longer exists',
    });
  });
});

describe('quota resources: what a used-up hard limit refuses', () => {
  it.each([
    ['pods', 'new pods', true],
    ['count/pods', 'new pods', true],
    ['services.nodeports', 'new Services that allocate node ports (NodePort, LoadBalancer)', false],
    ['count/persistentvolumeclaims', 'new PersistentVolumeClaims', false],
    ['count/jobs.batch', 'new Jobs', false],
    ['count/widgets.example.com', 'new widgets.example.com objects', false],
    [
      'gold.storageclass.storage.k8s.io/requests.storage',
      'new PersistentVolumeClaims of StorageClass gold that request storage (and expansions)',
      false,
    ],
    [
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims',
      'new PersistentVolumeClaims of StorageClass gold',
      false,
    ],
    ['cpu', 'new pods that request CPU', true],
    ['memory', 'new pods that request memory', true],
    ['limits.cpu', 'new pods that limit CPU', true],
    ['limits.ephemeral-storage', 'new pods that limit ephemeral storage', true],
    ['requests.nvidia.com/gpu', 'new pods that request nvidia.com/gpu', true],
    ['hugepages-2Mi', 'new pods that request hugepages-2Mi', true],
  ])('%s: %s', (resource, refused, pods) => {
    expect(quotaGate(resource)).toEqual({ refused, pods });
  });
});

describe('the shipped configuration', () => {
  it('diagnoses KubeQuotaAlmostFull with quota-health, and maps no fix to it', () => {
    const shipped = loadAgentConfig(join(import.meta.dirname, '../../../config/agent_config.yaml'));

    expect(findRule(shipped, 'KubeQuotaAlmostFull')).toMatchObject({ detector: 'quota-health', fixes: {} });
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
