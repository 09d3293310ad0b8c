import type { CoreV1Event, V1DaemonSet, V1Node, V1Pod } from '@kubernetes/client-node';

import type { Diagnosis, Evidence } from '../domain/types.ts';
import { keepAll } from '../kube/listing.ts';
import { controllerOf, selectorString } from '../kube/objects.ts';
import type { Detector } from './detector.ts';
import { workloadFacts } from './facts.ts';
import { gone } from './k8s-util.ts';
import {
  daemonPodSpec,
  describeReason,
  isSelectionReason,
  placement,
  taintString,
  type PlacementReason,
} from './node-placement.ts';
import { creationRefusal } from './creation-refusals.ts';
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

export interface DaemonSetSnapshot {
  namespace: string;
  name: string;
  daemonSet: V1DaemonSet | null;
  pods: PodWithEvents[];
  nodes: V1Node[];
  /** Warning events about the DaemonSet itself (FailedCreate when the API server refuses its pods). */
  events?: CoreV1Event[];
  /** The alert that asked, when one did: KubeDaemonSetMisScheduled puts misplaced pods first. */
  alertname?: string;
}

export type DaemonSetAnomaly =
  PodCauseKind | 'gone' | 'create-refused' | 'misscheduled' | 'untolerated-taints' | 'rollout-converging';

const MAX_NODES = 1000;

export const daemonSetHealth: Detector<DaemonSetSnapshot, DaemonSetAnomaly> = {
  name: 'daemonset-health',
  description:
    'KubeDaemonSetRolloutStuck, KubeDaemonSetNotScheduled, KubeDaemonSetMisScheduled: judged node by node as its controller does: pods the API server refused to create, pods on nodes it should not run on, unhealthy pods, and selected nodes whose taints it does not tolerate.',
  reads: [
    { apiGroup: 'apps', resource: 'daemonsets', verbs: ['get'] },
    ...WORKLOAD_PODS_READS,
    { apiGroup: '', resource: 'nodes', verbs: ['list'] },
  ],
  anomalies: {
    ...(Object.fromEntries(POD_CAUSE_KINDS.map((kind) => [kind, ['workload']])) as Record<PodCauseKind, ['workload']>),
    gone: [],
    'create-refused': ['workload'],
    misscheduled: ['workload'],
    'untolerated-taints': ['workload'],
    'rollout-converging': ['workload'],
  },
  settled: ['gone'],

  observe: async (alert, kube) => {
    const namespace = requireLabel(alert, 'namespace');
    const name = requireLabel(alert, 'daemonset');
    const alertname = alert.labels.alertname;
    const daemonSet = await orNull(kube.read('DaemonSet', name, namespace));
    if (daemonSet === null) return { namespace, name, daemonSet, pods: [], nodes: [], events: [], alertname };
    // As many pods as nodes: a node whose pod was not listed would look like one without a pod.
    const [pods, nodes, events] = await Promise.all([
      podsWithEvents(kube, namespace, daemonSet.spec?.selector, MAX_NODES),
      kube.list('Node', { max: MAX_NODES }),
      kube.listWarningEvents(namespace, { kind: 'DaemonSet', name, uid: daemonSet.metadata?.uid }),
    ]);
    return { namespace, name, daemonSet, pods, nodes, events, alertname };
  },

  diagnose: (snapshot) => {
    const target = {
      kind: 'DaemonSet',
      namespace: snapshot.namespace,
      name: snapshot.name,
      uid: snapshot.daemonSet?.metadata?.uid,
    };
    const base = { detector: daemonSetHealth.name, target };
    const ds = snapshot.daemonSet;
    if (ds === null) return gone(base, `daemonset ${snapshot.namespace}/${snapshot.name} no longer exists`, 0.9);
    const nodes = judgeNodes(ds, snapshot.pods, snapshot.nodes);
    const status = ds.status;
    const evidence: Evidence[] = [
      {
        source: 'daemonset.status',
        message: `desired ${status?.desiredNumberScheduled ?? 0}, scheduled ${status?.currentNumberScheduled ?? 0}, ready ${status?.numberReady ?? 0}, updated ${status?.updatedNumberScheduled ?? 0}, available ${status?.numberAvailable ?? 0}, misscheduled ${status?.numberMisscheduled ?? 0}`,
      },
      ...nodeEvidence(nodes),
    ];
    const found = { ...base, facts: { workload: workloadFacts('DaemonSet', ds) }, evidence };
    const named = `daemonset ${snapshot.namespace}/${snapshot.name}`;
    const misscheduledFirst = snapshot.alertname === 'KubeDaemonSetMisScheduled';
    return (
      createRefused(found, named, ds, nodes, snapshot.events ?? []) ??
      (misscheduledFirst ? misscheduled(found, named, nodes) : undefined) ??
      unhealthyPods(found, named, nodes) ??
      misscheduled(found, named, nodes) ??
      untoleratedTaints(found, named, nodes, ds) ??
      converging(found, named, nodes, ds)
    );
  },

  audit: {
    lists: ['DaemonSet', 'Pod', 'Node'],
    // Whether a DaemonSet's pods sit on nodes they should not is judged from its pods: every
    // DaemonSet is kept with its pods, as many as it has nodes to run on.
    keeps: () => ({
      ...keepAll('Node'),
      ...keepsWithPods(
        'DaemonSet',
        () => true,
        (ds) => selectorString(ds.spec?.selector),
      ),
    }),
    *snapshots(listing) {
      for (const ds of listing.of('DaemonSet')) {
        const status = ds.status;
        const namespace = ds.metadata?.namespace ?? '';
        const pods = listedPods(listing, namespace, selectorString(ds.spec?.selector));
        const nodes = [...listing.of('Node')];
        const short = (status?.numberReady ?? 0) < (status?.desiredNumberScheduled ?? 0);
        // A NoSchedule taint under a pod it keeps may not resync the DaemonSet: judge its nodes too.
        const misplaced = (status?.numberMisscheduled ?? 0) > 0 || judgeNodes(ds, pods, nodes).misplaced.length > 0;
        if (!short && !misplaced) continue;
        yield { namespace, name: ds.metadata?.name ?? '', daemonSet: ds, pods, nodes, events: [] };
      }
    },
  },
};

type Found = Pick<Diagnosis, 'detector' | 'target' | 'evidence'> & {
  facts: { workload: ReturnType<typeof workloadFacts> };
};
type Result = Diagnosis & { anomaly: DaemonSetAnomaly };

/** A node a pod of the DaemonSet runs on, and why the controller would not place one there now. */
interface Misplaced {
  pod: V1Pod;
  node: string;
  reasons: PlacementReason[];
  /** Whether the controller deletes it: the node is no longer selected, or a NoExecute taint is not tolerated. */
  deleted: boolean;
}

/** Each node judged as the DaemonSet controller's `NodeShouldRunDaemonPod` judges it, against the pods it has. */
interface NodeJudgement {
  /** Nodes its nodeSelector, required affinity and spec.nodeName select. */
  selected: number;
  /** Nodes not selected, with why (an example is enough). */
  unselected: { node: string; reasons: PlacementReason[] }[];
  /** Selected nodes it should run on and has no pod on. */
  missing: string[];
  /** Selected nodes without a pod because of taints it does not tolerate. */
  tainted: { node: string; reasons: PlacementReason[] }[];
  /** Pods on nodes it should not run on. */
  misplaced: Misplaced[];
  /** Its pods on nodes where it should run. */
  placed: PodWithEvents[];
}

function judgeNodes(ds: V1DaemonSet, pods: readonly PodWithEvents[], nodes: readonly V1Node[]): NodeJudgement {
  const template = ds.spec?.template.spec;
  const spec = daemonPodSpec(template ?? { containers: [] });
  const own = pods.filter(({ pod }) => ownedBy(pod, ds));
  const onNode = new Map<string, PodWithEvents[]>();
  for (const entry of own) {
    const node = targetNode(entry.pod);
    if (node !== undefined) onNode.set(node, [...(onNode.get(node) ?? []), entry]);
  }
  const judgement: NodeJudgement = { selected: 0, unselected: [], missing: [], tainted: [], misplaced: [], placed: [] };
  const known = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    known.add(name);
    const fit = placement(spec, node);
    const reasons = fit.fits ? [] : fit.reasons;
    const selected = !reasons.some(isSelectionReason);
    const running = onNode.get(name) ?? [];
    if (selected) judgement.selected += 1;
    else judgement.unselected.push({ node: name, reasons });
    if (fit.fits) {
      if (running.length === 0) judgement.missing.push(name);
      judgement.placed.push(...running);
    } else if (running.length > 0) {
      const deleted = !selected || reasons.some((r) => r.kind === 'taint' && r.taint.effect === 'NoExecute');
      judgement.misplaced.push(...running.map(({ pod }) => ({ pod, node: name, reasons, deleted })));
    } else if (selected) judgement.tainted.push({ node: name, reasons });
  }
  // Pods on nodes not listed (deleted, or beyond the listing) are judged by their own state only.
  judgement.placed.push(...own.filter(({ pod }) => !known.has(targetNode(pod) ?? '')));
  return judgement;
}

function ownedBy(pod: V1Pod, ds: V1DaemonSet): boolean {
  const owner = controllerOf(pod.metadata?.ownerReferences);
  if (owner === undefined) return true;
  return owner.kind === 'DaemonSet' && owner.name === ds.metadata?.name;
}

/** The node a daemon pod is bound to, or pinned to by the controller's matchFields affinity while pending. */
function targetNode(pod: V1Pod): string | undefined {
  if ((pod.spec?.nodeName ?? '') !== '') return pod.spec?.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const pin = terms
    ?.flatMap((term) => term.matchFields ?? [])
    .find((field) => field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1);
  return pin?.values?.[0];
}

const EXAMPLES = 3;
const EVIDENCE_PER_KIND = 5;

function nodeEvidence(nodes: NodeJudgement): Evidence[] {
  const evidence: Evidence[] = [];
  if (nodes.unselected.length > 0) {
    const [example] = nodes.unselected;
    evidence.push({
      source: 'nodes',
      message: `${nodes.selected} of ${nodes.selected + nodes.unselected.length} nodes match its nodeSelector and required node affinity; e.g. on ${example?.node ?? ''}: ${example?.reasons.filter(isSelectionReason).map(describeReason).join('; ') ?? ''}`,
    });
  }
  evidence.push(
    ...nodes.misplaced.slice(0, EVIDENCE_PER_KIND).map((entry) => ({
      source: 'pod',
      message: `pod ${entry.pod.metadata?.name ?? ''} runs on node ${entry.node}, where ${entry.reasons.map(describeReason).join('; ')}`,
    })),
    ...nodes.missing.slice(0, EVIDENCE_PER_KIND).map((node) => ({
      source: 'node',
      message: `node ${node} should run a pod of it and has none`,
    })),
    ...nodes.tainted.slice(0, EVIDENCE_PER_KIND).map((entry) => ({
      source: 'node',
      message: `node ${entry.node} has no pod of it: ${entry.reasons.map(describeReason).join('; ')}`,
    })),
  );
  return evidence;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, EXAMPLES).join(', ');
  return names.length > EXAMPLES ? `${shown} and ${names.length - EXAMPLES} more` : shown;
}

/** How many nodes the controller counts as wanting a pod and having none. */
function shortfall(ds: V1DaemonSet): number {
  return (ds.status?.desiredNumberScheduled ?? 0) - (ds.status?.currentNumberScheduled ?? 0);
}

function createRefused(
  found: Found,
  named: string,
  ds: V1DaemonSet,
  nodes: NodeJudgement,
  events: readonly CoreV1Event[],
): Result | undefined {
  const short = shortfall(ds);
  const refusal = creationRefusal(events);
  if (refusal === undefined || (short <= 0 && nodes.missing.length === 0)) return undefined;
  const where =
    nodes.missing.length > 0
      ? `on ${plural(nodes.missing.length, 'node')} (${listed(nodes.missing)})`
      : `on ${plural(short, 'node')}`;
  return {
    ...found,
    anomaly: 'create-refused',
    summary: `${named} has no pod ${where} because ${refusal.by} refused to create its pods: ${refusal.message}`,
    confidence: 0.85,
    evidence: [refusal.evidence, ...found.evidence],
  };
}

function misscheduled(found: Found, named: string, nodes: NodeJudgement): Result | undefined {
  if (nodes.misplaced.length === 0) return undefined;
  const examples = nodes.misplaced
    .slice(0, EXAMPLES)
    .map(
      (entry) =>
        `${entry.pod.metadata?.name ?? ''} on ${entry.node} (${entry.reasons.map(describeReason).join('; ')}; ${entry.deleted ? 'the controller deletes it' : 'the controller keeps it, as NoSchedule only bars new pods'})`,
    );
  const more = nodes.misplaced.length > EXAMPLES ? ` and ${nodes.misplaced.length - EXAMPLES} more` : '';
  return {
    ...found,
    anomaly: 'misscheduled',
    summary: `${named} runs ${plural(nodes.misplaced.length, 'pod')} on nodes it should not: ${examples.join('; ')}${more}`,
    confidence: 0.8,
  };
}

function unhealthyPods(found: Found, named: string, nodes: NodeJudgement): Result | undefined {
  const { primary, unhealthy } = summarizeCauses(nodes.placed);
  if (primary === undefined) return undefined;
  const example = primary.pod;
  const on = (example.spec?.nodeName ?? '') === '' ? '' : ` on ${example.spec?.nodeName}`;
  return {
    ...found,
    anomaly: primary.cause.kind,
    summary: `${named}: ${unhealthy} of ${nodes.placed.length} pods are unhealthy, e.g. ${example.metadata?.name ?? ''}${on}: ${primary.cause.summary}`,
    confidence: 0.7,
    evidence: [...found.evidence.slice(0, 1), ...primary.cause.evidence, ...found.evidence.slice(1)],
  };
}

/**
 * Selected nodes kept off by taints, as the answer only when they leave the DaemonSet on no node
 * at all. A tainted node is not in desiredNumberScheduled, so it cannot explain a shortfall the
 * alerts measure (most clusters taint their control-plane nodes): otherwise it stays evidence.
 */
function untoleratedTaints(found: Found, named: string, nodes: NodeJudgement, ds: V1DaemonSet): Result | undefined {
  if (nodes.tainted.length === 0 || (ds.status?.desiredNumberScheduled ?? 0) > 0) return undefined;
  const examples = nodes.tainted
    .slice(0, EXAMPLES)
    .map(
      (entry) =>
        `${entry.node} (${entry.reasons.flatMap((r) => (r.kind === 'taint' ? [taintString(r.taint)] : [describeReason(r)])).join(', ')})`,
    );
  const more = nodes.tainted.length > EXAMPLES ? ` and ${nodes.tainted.length - EXAMPLES} more` : '';
  return {
    ...found,
    anomaly: 'untolerated-taints',
    summary: `${named} runs on no node: the ${plural(nodes.tainted.length, 'node')} it selects have taints it does not tolerate: ${examples.join('; ')}${more}; add tolerations if it must run there`,
    confidence: 0.7,
  };
}

function converging(found: Found, named: string, nodes: NodeJudgement, ds: V1DaemonSet): Result {
  if (nodes.missing.length > 0) {
    return {
      ...found,
      anomaly: 'rollout-converging',
      summary: `${named} has no pod on ${plural(nodes.missing.length, 'node')} it should run on (${listed(nodes.missing)}) and no event says why: the controller may still be creating them (maxUnavailable, or nodes just added)`,
      confidence: 0.4,
    };
  }
  const desired = ds.status?.desiredNumberScheduled ?? 0;
  const updated = ds.status?.updatedNumberScheduled ?? 0;
  const available = ds.status?.numberAvailable ?? 0;
  const progress =
    updated < desired
      ? `its update has reached ${updated} of ${desired} nodes`
      : available < desired
        ? `${available} of ${desired} pods are available`
        : 'its status counts match';
  return {
    ...found,
    anomaly: 'rollout-converging',
    summary: `${named} has a pod on every node it should run on and none reports a problem; ${progress}: the rollout may still be converging (maxUnavailable, minReadySeconds)`,
    confidence: 0.3,
  };
}
