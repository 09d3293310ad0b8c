import type { V1PodDisruptionBudget } from '@kubernetes/client-node';

import { keepAll } from '../kube/listing.ts';
import { selectorString } from '../kube/objects.ts';
import type { Detector } from './detector.ts';
import { gone } from './k8s-util.ts';
import { POD_CAUSE_KINDS, type PodCauseKind } from './pod-causes.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';
import {
  keepsWithPods,
  listedPods,
  podsWithEvents,
  type PodWithEvents,
  summarizeCauses,
  WORKLOAD_PODS_READS,
} from './workload-pods.ts';

export interface PdbSnapshot {
  namespace: string;
  name: string;
  pdb: V1PodDisruptionBudget | null;
  pods: PodWithEvents[];
}

export type PdbAnomaly = PodCauseKind | 'pdb-selects-nothing' | 'pdb-short' | 'gone';

export const pdbHealth: Detector<PdbSnapshot, PdbAnomaly> = {
  name: 'pdb-health',
  description:
    'KubePdbNotEnoughHealthyPods: how far the budget is short and why its pods are unhealthy; while it is, drains and evictions of those pods are blocked.',
  reads: [{ apiGroup: 'policy', resource: 'poddisruptionbudgets', verbs: ['get'] }, ...WORKLOAD_PODS_READS],
  anomalies: {
    ...(Object.fromEntries(POD_CAUSE_KINDS.map((kind) => [kind, []])) as Record<PodCauseKind, []>),
    'pdb-selects-nothing': [],
    'pdb-short': [],
    gone: [],
  },
  settled: ['gone'],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'poddisruptionbudget');
    const pdb = await orNull(kube.read('PodDisruptionBudget', name, namespace));
    const pods = pdb === null ? [] : await podsWithEvents(kube, namespace, pdb.spec?.selector);
    return { namespace, name, pdb, pods };
  },

  diagnose: (snapshot) => {
    const target = {
      kind: 'PodDisruptionBudget',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.pdb?.metadata?.uid,
    };
    const base = { detector: pdbHealth.name, target, facts: {} };
    const { pdb } = snapshot;
    if (pdb === null)
      return gone(base, `PodDisruptionBudget ${snapshot.namespace}/${snapshot.name} no longer exists`, 0.9);
    const healthy = pdb.status?.currentHealthy ?? 0;
    const needed = pdb.status?.desiredHealthy ?? 0;
    const expected = pdb.status?.expectedPods ?? 0;
    const evidence = [
      {
        source: 'pdb.status',
        message: `${healthy} healthy of ${expected} expected pods; the budget needs ${needed} (disruptions allowed: ${pdb.status?.disruptionsAllowed ?? 0})`,
      },
    ];
    const { primary, unhealthy } = summarizeCauses(snapshot.pods);
    if (expected === 0) {
      return {
        ...base,
        anomaly: 'pdb-selects-nothing',
        summary: `PodDisruptionBudget ${snapshot.name} selects no pods: its selector matches nothing`,
        confidence: 0.7,
        evidence,
      };
    }
    return {
      ...base,
      anomaly: primary?.cause.kind ?? 'pdb-short',
      summary: `PodDisruptionBudget ${snapshot.name} is ${Math.max(0, needed - healthy)} healthy pod${needed - healthy === 1 ? '' : 's'} short, so evictions and drains of its pods are blocked${primary === undefined ? '' : ` — ${unhealthy} pods are unhealthy: ${primary.cause.summary}`}`,
      confidence: primary === undefined ? 0.5 : 0.7,
      evidence: [...evidence, ...(primary?.cause.evidence ?? [])],
    };
  },

  audit: {
    lists: ['PodDisruptionBudget', 'Pod', 'Node'],
    // The budgets short of healthy pods or covering none, and their pods.
    keeps: () => ({
      ...keepAll('Node'),
      ...keepsWithPods('PodDisruptionBudget', shortOrEmpty, (pdb) => selectorString(pdb.spec?.selector)),
    }),
    *snapshots(listing) {
      for (const pdb of listing.of('PodDisruptionBudget')) {
        if (!shortOrEmpty(pdb)) continue;
        const namespace = pdb.metadata?.namespace ?? '';
        yield {
          namespace,
          name: pdb.metadata?.name ?? '',
          pdb,
          pods: listedPods(listing, namespace, selectorString(pdb.spec?.selector)),
        };
      }
    },
  },
};

function shortOrEmpty(pdb: V1PodDisruptionBudget): boolean {
  const healthy = (pdb.status?.currentHealthy ?? 0) >= (pdb.status?.desiredHealthy ?? 0);
  return !healthy || (pdb.status?.expectedPods ?? 1) <= 0;
}
