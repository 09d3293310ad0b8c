import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import type { HpaFacts } from '../domain/facts.ts';
import { condition } from '../kube/objects.ts';
import type { Detector } from './detector.ts';
import { gone } from './k8s-util.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';

export interface HpaSnapshot {
  namespace: string;
  name: string;
  hpa: V2HorizontalPodAutoscaler | null;
}

export type HpaAnomaly = 'hpa-cannot-scale' | 'hpa-maxed-out' | 'hpa-replicas-mismatch' | 'gone';

export const hpaHealth: Detector<HpaSnapshot, HpaAnomaly> = {
  name: 'hpa-health',
  description:
    'KubeHpaMaxedOut, KubeHpaReplicasMismatch: whether an HPA is at its ceiling with demand above target, or cannot scale (metrics unavailable, target missing), with its conditions and metrics.',
  reads: [{ apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verbs: ['get'] }],
  anomalies: { 'hpa-cannot-scale': ['hpa'], 'hpa-maxed-out': ['hpa'], 'hpa-replicas-mismatch': ['hpa'], gone: [] },

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'horizontalpodautoscaler');
    return { namespace, name, hpa: await orNull(kube.read('HorizontalPodAutoscaler', name, namespace)) };
  },
  settled: ['gone'],

  diagnose: (snapshot) => {
    const target = {
      kind: 'HorizontalPodAutoscaler',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.hpa?.metadata?.uid,
    };
    const base = { detector: hpaHealth.name, target };
    const { hpa } = snapshot;
    if (hpa === null) return gone(base, `HPA ${snapshot.namespace}/${snapshot.name} no longer exists`, 0.8);
    const max = hpa.spec?.maxReplicas ?? 0;
    const min = hpa.spec?.minReplicas ?? 1;
    const current = hpa.status?.currentReplicas ?? 0;
    const desired = hpa.status?.desiredReplicas ?? 0;
    const facts: { hpa: HpaFacts } = {
      hpa: {
        namespace: snapshot.namespace,
        name: snapshot.name,
        uid: hpa.metadata?.uid,
        minReplicas: min,
        maxReplicas: Math.max(1, max),
        currentReplicas: current,
        desiredReplicas: desired,
      },
    };
    const scaleTarget = `${hpa.spec?.scaleTargetRef.kind ?? ''} ${hpa.spec?.scaleTargetRef.name ?? ''}`.trim();
    const evidence: Evidence[] = [
      {
        source: 'hpa.status',
        message: `replicas ${current} (desired ${desired}), bounds ${min}–${max}, scaling ${scaleTarget}`,
      },
    ];
    for (const type of ['AbleToScale', 'ScalingActive', 'ScalingLimited']) {
      const c = condition(hpa.status?.conditions, type);
      if (c !== undefined)
        evidence.push({ source: 'hpa.status', message: `${type}=${c.status} (${c.reason ?? ''}): ${c.message ?? ''}` });
    }
    for (const metric of hpa.status?.currentMetrics ?? []) {
      const resource = metric.resource;
      if (resource !== undefined) {
        evidence.push({
          source: 'hpa.status',
          message: `${resource.name} at ${resource.current.averageUtilization ?? '?'}% of requests`,
        });
      }
    }
    const active = condition(hpa.status?.conditions, 'ScalingActive');
    const able = condition(hpa.status?.conditions, 'AbleToScale');
    if (active?.status === 'False' || able?.status === 'False') {
      const blocking = active?.status === 'False' ? active : able!;
      return {
        ...base,
        anomaly: 'hpa-cannot-scale',
        summary: `HPA ${snapshot.name} cannot scale ${scaleTarget}: ${blocking.reason ?? ''} — ${blocking.message ?? ''}`,
        confidence: 0.8,
        evidence,
        facts,
      };
    }
    if (current >= max) {
      return {
        ...base,
        anomaly: 'hpa-maxed-out',
        summary: `HPA ${snapshot.name} runs ${scaleTarget} at its ceiling of ${max} replicas${wantedBeyondMax(hpa, current, max)}: raise maxReplicas (if the cluster has room) or reduce load per pod`,
        confidence: 0.7,
        evidence,
        facts,
      };
    }
    return {
      ...base,
      anomaly: 'hpa-replicas-mismatch',
      summary: `HPA ${snapshot.name} wants ${desired} replicas of ${scaleTarget} but ${current} run: new pods are not becoming ready (check the workload)`,
      confidence: 0.5,
      evidence,
      facts,
    };
  },

  audit: {
    lists: ['HorizontalPodAutoscaler'],
    keeps: () => ({ HorizontalPodAutoscaler: stuckOrMaxed }),
    *snapshots(listing) {
      for (const hpa of listing.of('HorizontalPodAutoscaler')) {
        if (!stuckOrMaxed(hpa)) continue;
        yield { namespace: hpa.metadata?.namespace ?? '', name: hpa.metadata?.name ?? '', hpa };
      }
    },
  },
};

/**
 * About what the HPA's metrics ask for above its ceiling, as the HPA controller computes it for a
 * utilisation target (ceil(replicas × current / target)); its status caps desiredReplicas at the
 * maximum, so that number alone would say it wants no more than it has.
 */
function wantedBeyondMax(hpa: V2HorizontalPodAutoscaler, current: number, max: number): string {
  const wants = (hpa.spec?.metrics ?? []).flatMap((metric) => {
    const target = metric.resource?.target.averageUtilization;
    const measured = (hpa.status?.currentMetrics ?? []).find((m) => m.resource?.name === metric.resource?.name)
      ?.resource?.current.averageUtilization;
    if (metric.type !== 'Resource' || target === undefined || target <= 0 || measured === undefined) return [];
    return [{ name: metric.resource!.name, measured, target, replicas: Math.ceil((current * measured) / target) }];
  });
  const top = wants.sort((a, b) => b.replicas - a.replicas)[0];
  if (top === undefined || top.replicas <= max) return '';
  return `; ${top.name} at ${top.measured}% of requests against a ${top.target}% target would take about ${top.replicas}`;
}

/** Unable to scale, or at its ceiling while it would go higher. */
function stuckOrMaxed(hpa: V2HorizontalPodAutoscaler): boolean {
  const cannot = (hpa.status?.conditions ?? []).some(
    (c) => (c.type === 'ScalingActive' || c.type === 'AbleToScale') && c.status === 'False',
  );
  const max = hpa.spec?.maxReplicas ?? Infinity;
  // The controller caps desiredReplicas at the ceiling and says so in ScalingLimited.
  const limited = condition(hpa.status?.conditions, 'ScalingLimited');
  const pinned = limited?.status === 'True' && limited.reason === 'TooManyReplicas';
  const maxed = (hpa.status?.currentReplicas ?? 0) >= max && (pinned || (hpa.status?.desiredReplicas ?? 0) > max);
  return cannot || maxed;
}
