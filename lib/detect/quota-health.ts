import type { V1ResourceQuota } from '@kubernetes/client-node';

import { quantity } from '../kube/quantity.ts';
import type { Detector } from './detector.ts';
import { gone } from './k8s-util.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';

export interface QuotaSnapshot {
  namespace: string;
  name: string;
  /** The resource the alert names (kube-prometheus' `resource` label), if any. */
  resource?: string;
  quota: V1ResourceQuota | null;
}

export const quotaHealth: Detector<QuotaSnapshot, 'quota-high' | 'quota-exhausted' | 'gone'> = {
  name: 'quota-health',
  description:
    'KubeQuotaExceeded, KubeQuotaFullyUsed: which resources of a ResourceQuota are at or over their hard limit; new pods (and rollouts, and HPA scale-ups) in the namespace fail to be created while they are.',
  reads: [{ apiGroup: '', resource: 'resourcequotas', verbs: ['get'] }],
  anomalies: { 'quota-high': [], 'quota-exhausted': [], gone: [] },

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'resourcequota');
    const resource = alert.labels.resource;
    const quota = await orNull(kube.read('ResourceQuota', name, namespace));
    return { namespace, name, ...(resource === undefined || resource === '' ? {} : { resource }), quota };
  },
  settled: ['gone'],

  diagnose: (snapshot) => {
    const target = {
      kind: 'ResourceQuota',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.quota?.metadata?.uid,
    };
    const base = { detector: quotaHealth.name, target, facts: {} };
    const { quota } = snapshot;
    if (quota === null) return gone(base, `ResourceQuota ${snapshot.namespace}/${snapshot.name} no longer exists`, 0.9);
    const hard = quota.status?.hard ?? {};
    const used = quota.status?.used ?? {};
    const rows = Object.keys(hard).map((resource) => ({
      resource,
      used: used[resource] ?? '0',
      hard: hard[resource] ?? '0',
    }));
    const full = rows.filter((row) => quantity(row.used) >= quantity(row.hard));
    const evidence = rows.map((row) => ({
      source: 'quota.status',
      message: `${row.resource}: ${row.used} used of ${row.hard}`,
    }));
    const named = snapshot.resource;
    const focus = full.find((row) => row.resource === named) ?? full[0];
    return {
      ...base,
      anomaly: full.length === 0 ? 'quota-high' : 'quota-exhausted',
      summary:
        focus === undefined
          ? `ResourceQuota ${snapshot.name} is close to its limits in namespace ${snapshot.namespace}`
          : `ResourceQuota ${snapshot.name} is exhausted for ${full.map((row) => row.resource).join(', ')} (${focus.resource}: ${focus.used} of ${focus.hard}): new pods in ${snapshot.namespace} are refused until usage drops or the quota is raised`,
      confidence: 0.8,
      evidence,
    };
  },

  audit: {
    lists: ['ResourceQuota'],
    *snapshots(listing) {
      for (const quota of listing.of('ResourceQuota')) {
        const hard = quota.status?.hard ?? {};
        const used = quota.status?.used ?? {};
        const full = Object.keys(hard).some(
          (resource) => quantity(used[resource] ?? '0') >= quantity(hard[resource] ?? '0'),
        );
        if (full) yield { namespace: quota.metadata?.namespace ?? '', name: quota.metadata?.name ?? '', quota };
      }
    },
  },
};
