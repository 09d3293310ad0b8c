import type { V1Pod } from '@kubernetes/client-node';

import type { Detector } from './detector.ts';
import { gone } from './k8s-util.ts';
import { containerLabel, orNull, requireLabel } from './pod-snapshot.ts';

export interface ThrottlingSnapshot {
  namespace: string;
  podName: string;
  /** The container the alert names, and its description (how much it is throttled). */
  container?: string;
  description?: string;
  pod: V1Pod | null;
}

export const cpuThrottling: Detector<ThrottlingSnapshot, 'cpu-throttled' | 'gone'> = {
  name: 'cpu-throttling',
  description:
    'CPUThrottlingHigh: the container’s CPU limit and request, and whether the limit (not the node) is what slows it.',
  reads: [{ apiGroup: '', resource: 'pods', verbs: ['get'] }],
  anomalies: { 'cpu-throttled': [], gone: [] },

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const podName = requireLabel(alert, 'pod');
    const description = alert.annotations.description;
    return {
      namespace,
      podName,
      ...containerLabel(alert),
      ...(description === undefined ? {} : { description }),
      pod: await orNull(kube.read('Pod', podName, namespace)),
    };
  },
  settled: ['gone'],

  diagnose: (snapshot) => {
    const target = {
      kind: 'Pod',
      namespace: snapshot.namespace,
      name: snapshot.podName,
      uid: snapshot.pod?.metadata?.uid,
    };
    const base = { detector: cpuThrottling.name, target, facts: {} };
    const { pod } = snapshot;
    if (pod === null) return gone(base, `pod ${snapshot.namespace}/${snapshot.podName} no longer exists`, 0.8);
    const name = snapshot.container;
    const container = pod.spec?.containers.find((c) => c.name === name) ?? pod.spec?.containers[0];
    const limit = container?.resources?.limits?.cpu;
    const request = container?.resources?.requests?.cpu;
    const evidence = [
      {
        source: 'pod.spec',
        message: `container ${container?.name ?? '?'}: cpu limit ${limit ?? 'none'}, request ${request ?? 'none'}`,
      },
      ...(snapshot.description === undefined ? [] : [{ source: 'alert', message: snapshot.description }]),
    ];
    if (limit === undefined) {
      return {
        ...base,
        anomaly: 'cpu-throttled',
        summary: `container ${container?.name ?? '?'} has no CPU limit: the throttling comes from a namespace LimitRange default or the alert is stale`,
        confidence: 0.4,
        evidence,
      };
    }
    return {
      ...base,
      anomaly: 'cpu-throttled',
      summary: `container ${container?.name ?? '?'} is throttled at its CPU limit of ${limit} (request ${request ?? 'none'}): raise or remove the limit if latency matters; throttling is not a crash and needs no restart`,
      confidence: 0.7,
      evidence,
    };
  },
};
