import type { CoreV1Event, V1ResourceQuota } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import { quantity } from '../kube/quantity.ts';
import { cut } from '../text.ts';
import { EVIDENCE_MESSAGE_MAX } from './creation-refusals.ts';
import type { Detector } from './detector.ts';
import { gone } from './k8s-util.ts';
import { eventEvidence, eventTime } from './pod-causes.ts';
import { orNull, requireLabel } from './pod-snapshot.ts';
import { quotaGate } from './quota-resources.ts';

export interface QuotaSnapshot {
  namespace: string;
  name: string;
  /** The resource the alert names (kube-prometheus' `resource` label), if any. */
  resource?: string;
  quota: V1ResourceQuota | null;
  /** Warning events in the namespace whose message says this quota refused a create. */
  events?: CoreV1Event[];
}

/** kube-prometheus' KubeQuotaAlmostFull threshold: used / hard above 0.9. */
const ALMOST_FULL = 0.9;
/** At most this many refused creates are kept as evidence. */
const MAX_EVENTS = 3;

/** One resource of a quota, as its status reports it. */
interface Usage {
  resource: string;
  used: string;
  hard: string;
  /** used / hard; a hard limit of 0 is used up by nothing at all. */
  ratio: number;
}

export const quotaHealth: Detector<QuotaSnapshot, 'quota-exhausted' | 'quota-high' | 'recovered' | 'gone'> = {
  name: 'quota-health',
  description:
    'KubeQuotaExceeded, KubeQuotaFullyUsed, KubeQuotaAlmostFull: which resources of a ResourceQuota are used up (or at 90 % and more) by its status, and what that refuses in the namespace — new pods for pods, CPU, memory and extended resources (so rollouts, scale-ups and Job runs fail), new PersistentVolumeClaims for storage, new objects for counts — with the creates its quota admission refused.',
  reads: [
    { apiGroup: '', resource: 'resourcequotas', verbs: ['get'] },
    { apiGroup: '', resource: 'events', verbs: ['list'] },
  ],
  anomalies: { 'quota-exhausted': [], 'quota-high': [], recovered: [], gone: [] },
  settled: ['recovered', 'gone'],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'resourcequota');
    const resource = alert.labels.resource;
    const named = resource === undefined || resource === '' ? {} : { resource };
    const quota = await orNull(kube.read('ResourceQuota', name, namespace));
    if (quota === null) return { namespace, name, ...named, quota };
    const warnings = await kube.list('Event', { namespace, fieldSelector: 'type=Warning', max: 500 });
    return { namespace, name, ...named, quota, events: refusedBy(name, warnings) };
  },

  diagnose: (snapshot) => {
    const { namespace, name, quota } = snapshot;
    const target = { kind: 'ResourceQuota', namespace, name, uid: quota?.metadata?.uid };
    const base = { detector: quotaHealth.name, target, facts: {} };
    if (quota === null) return gone(base, `ResourceQuota ${namespace}/${name} no longer exists`, 0.9);
    const usages = usagesOf(quota, snapshot.resource);
    const full = usages.filter((usage) => usage.ratio >= 1);
    const high = usages.filter((usage) => usage.ratio >= ALMOST_FULL);
    const events = [...(snapshot.events ?? [])]
      .sort((a, b) => eventTime(b) - eventTime(a))
      .slice(0, MAX_EVENTS)
      .map(quotaEventEvidence);
    const quotaName = `ResourceQuota ${namespace}/${name}`;
    if (high.length === 0) {
      const [highest] = [...usages].sort((a, b) => b.ratio - a.ratio);
      return {
        ...base,
        anomaly: 'recovered',
        summary: `${quotaName} is below ${percent(ALMOST_FULL)} of every hard limit now${highest === undefined ? '' : ` (highest: ${highest.used} of ${highest.hard} ${highest.resource}, ${percent(highest.ratio)})`}`,
        confidence: 0.8,
        evidence: [...(highest === undefined ? [] : [usageEvidence(highest)]), ...events],
      };
    }
    const exhausted = full.length > 0;
    const shown = exhausted ? full : high;
    const { gates, pods } = gatesOf(shown);
    const scope = scopeWords(quota);
    const consequence = `${words(gates)} in ${namespace}${scope === undefined ? '' : ` (only those in its scope: ${scope})`} ${exhausted ? 'are refused' : 'will be refused once it is used up'}`;
    return {
      ...base,
      anomaly: exhausted ? 'quota-exhausted' : 'quota-high',
      summary: `${quotaName} has used ${words(shown.map(usageWords))}: ${consequence}${pods ? ' (and with them rollouts, scale-ups and Job runs that need new pods)' : ''}${exhausted ? ', until usage drops or the quota is raised' : ''}`,
      confidence: 0.8,
      evidence: [...high.map(usageEvidence), ...events],
    };
  },

  audit: {
    lists: ['ResourceQuota'],
    keeps: () => ({ ResourceQuota: (quota) => usagesOf(quota, undefined).some((usage) => usage.ratio >= 1) }),
    *snapshots(listing) {
      for (const quota of listing.of('ResourceQuota')) {
        if (usagesOf(quota, undefined).some((usage) => usage.ratio >= 1)) {
          yield { namespace: quota.metadata?.namespace ?? '', name: quota.metadata?.name ?? '', quota, events: [] };
        }
      }
    },
  },
};

/** Every resource the quota's status limits, with its use; the one the alert names first. */
function usagesOf(quota: V1ResourceQuota, named: string | undefined): Usage[] {
  const hard = quota.status?.hard ?? {};
  const used = quota.status?.used ?? {};
  const usages = Object.keys(hard).map((resource) => {
    const row = { resource, used: used[resource] ?? '0', hard: hard[resource] ?? '0' };
    const limit = quantity(row.hard);
    const use = quantity(row.used);
    return { ...row, ratio: limit === 0 ? (use > 0 ? Number.POSITIVE_INFINITY : 1) : use / limit };
  });
  return [...usages.filter((u) => u.resource === named), ...usages.filter((u) => u.resource !== named)];
}

/** What the used-up resources refuse, each once (`new pods` stands for every kind of new pod). */
function gatesOf(usages: readonly Usage[]): { gates: string[]; pods: boolean } {
  const all = usages.map((usage) => quotaGate(usage.resource));
  const anyPod = all.some((gate) => gate.refused === 'new pods');
  const gates = all.filter((gate) => !(anyPod && gate.pods && gate.refused !== 'new pods')).map((g) => g.refused);
  return { gates: [...new Set(gates)], pods: all.some((gate) => gate.pods) };
}

/** `10 of 10 persistentvolumeclaims`, `12 of 10 pods (more than its hard limit, …)`, `1900m of 2 requests.cpu (95 %)`. */
function usageWords(usage: Usage): string {
  const amount = `${usage.used} of ${usage.hard} ${usage.resource}`;
  if (usage.ratio > 1) return `${amount} (more than its hard limit, which was set below what was in use)`;
  return usage.ratio < 1 ? `${amount} (${percent(usage.ratio)})` : amount;
}

function usageEvidence(usage: Usage): Evidence {
  const share = Number.isFinite(usage.ratio) ? ` (${percent(usage.ratio)})` : '';
  return { source: 'quota.status', message: `${usage.resource}: ${usage.used} used of ${usage.hard}${share}` };
}

function percent(ratio: number): string {
  return `${Math.floor(ratio * 100)}%`;
}

/** `a`, `a and b`, `a, b and c`. */
function words(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

/**
 * The Warning events that say quota admission refused a create because of this quota (a
 * controller's FailedCreate: `… is forbidden: exceeded quota: <name>, requested: …`).
 */
function refusedBy(name: string, events: readonly CoreV1Event[]): CoreV1Event[] {
  const mentions = new RegExp(`exceeded quota: ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(,|$|\\s)`);
  return events.filter((event) => mentions.test(event.message ?? ''));
}

/** An event as evidence, naming the object it is about (the quota refuses other objects' creates). */
function quotaEventEvidence(event: CoreV1Event): Evidence {
  const evidence = eventEvidence(event);
  return {
    ...evidence,
    source: `event ${event.involvedObject.kind ?? ''}/${event.involvedObject.name ?? ''}`,
    message: cut(evidence.message, EVIDENCE_MESSAGE_MAX),
  };
}

/**
 * The quota's scope in words (`spec.scopes`, `spec.scopeSelector`): a scoped quota counts and
 * refuses only the pods in its scope (BestEffort, a PriorityClass, …), not every pod.
 */
export function scopeWords(quota: V1ResourceQuota): string | undefined {
  const scopes = quota.spec?.scopes ?? [];
  const selected = (quota.spec?.scopeSelector?.matchExpressions ?? []).map((expression) => {
    const values =
      expression.values === undefined || expression.values.length === 0 ? '' : ` ${expression.values.join(', ')}`;
    return `${expression.scopeName} ${expression.operator}${values}`;
  });
  const all = [...scopes, ...selected];
  return all.length === 0 ? undefined : all.join('; ');
}
