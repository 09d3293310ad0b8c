import type { V1Node, V1Pod } from '@kubernetes/client-node';
import * as z from 'zod';

import type { Diagnosis, Plan } from '../domain/types.ts';
import { widening } from '../domain/widening.ts';
import { ConflictError, DisruptionBudgetError, NotFoundError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { condition } from '../kube/objects.ts';
import { objectDiff } from './object-diff.ts';
import { metadataFacts, type Health, type Refusal, type TargetState } from './remediator.ts';

export const NodeParamsSchema = z.object({
  /**
   * Whether the node was cordoned when the fix was planned: the undo uncordons only what kubemend
   * cordoned, whichever run (a first, or one resumed after a crash) made the write.
   */
  cordonedBefore: z.boolean().optional(),
});
export type NodeParams = z.infer<typeof NodeParamsSchema>;

export const DrainLimitsSchema = z.object({
  /** drain-node: give up (and leave the node cordoned) after this long. */
  drainTimeoutSeconds: z.number().int().positive().max(840).default(120).register(widening, { widens: 'higher' }),
});
export type DrainLimits = z.infer<typeof DrainLimitsSchema>;

/**
 * A node fix (`cordon-node`, `drain-node`) for the diagnosis's node: refused for a node that is
 * Ready without pressure (nothing to move off), and a cordon for a node already cordoned. Pure.
 */
export function planNodeFix(action: 'cordon-node' | 'drain-node', diagnosis: Diagnosis): Plan | Refusal {
  const node = diagnosis.facts.node;
  if (node === undefined) return { refused: 'the diagnosis names no node', fits: false };
  if (node.ready === 'True' && node.pressures.length === 0) {
    return { refused: `node ${node.name} is Ready with no pressure`, fits: true };
  }
  if (action === 'cordon-node' && node.cordoned)
    return { refused: `node ${node.name} is cordoned already`, fits: true };
  // A drain moves workload pods; on a node with none it would only cordon it.
  if (action === 'drain-node' && node.workloadPods === 0)
    return { refused: `node ${node.name} runs no workload pods to move (only DaemonSet pods, or none)`, fits: true };
  const why =
    action === 'cordon-node'
      ? 'keep new pods off it while it recovers'
      : `move its ${node.workloadPods} workload pods to healthy nodes`;
  return {
    action,
    target: { kind: 'Node', name: node.name, ...(node.uid === undefined ? {} : { uid: node.uid }) },
    params: { cordonedBefore: node.cordoned } satisfies NodeParams,
    reason: `${diagnosis.summary}: ${why}`,
  };
}

function unavailable(node: V1Node): boolean {
  return node.spec?.unschedulable === true || condition(node.status?.conditions, 'Ready')?.status !== 'True';
}

/** The node's annotations and how many nodes are already out of service (policy caps the share). */
export async function inspectNode(plan: Plan, kube: KubeApi): Promise<TargetState & { node: V1Node }> {
  const node = await kube.read('Node', plan.target.name);
  const nodes = await kube.list('Node', { max: 5000 });
  return {
    node,
    ...metadataFacts(node),
    disruption: {
      replicas: nodes.length,
      unavailable: nodes.filter(unavailable).length,
      // A node already out of service (cordoned or not Ready) is counted in `unavailable`.
      adds: unavailable(node) ? 0 : 1,
    },
  };
}

/** Marks the node (un)schedulable; returns the diff, or [] when it already was. */
export async function setUnschedulable(kube: KubeApi, name: string, value: boolean, dryRun: boolean) {
  const before = await kube.read('Node', name);
  if ((before.spec?.unschedulable === true) === value) return [];
  const after = await kube.patch(
    'Node',
    name,
    undefined,
    { spec: { unschedulable: value } },
    {
      dryRun,
      resourceVersion: before.metadata?.resourceVersion,
    },
  );
  return objectDiff(before, after);
}

/** Pods a drain must evict: not DaemonSet-managed, not mirror pods, not finished or going. */
export function evictable(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter(
    (pod) =>
      !pod.metadata?.ownerReferences?.some((o) => o.controller === true && o.kind === 'DaemonSet') &&
      pod.metadata?.annotations?.['kubernetes.io/config.mirror'] === undefined &&
      pod.metadata?.deletionTimestamp === undefined &&
      pod.status?.phase !== 'Succeeded' &&
      pod.status?.phase !== 'Failed',
  );
}

export function podsOn(kube: KubeApi, node: string): Promise<V1Pod[]> {
  return kube.list('Pod', { fieldSelector: `spec.nodeName=${node}`, max: 1000 });
}

/**
 * Evicts every evictable pod on the node through the Eviction API, retrying those a
 * PodDisruptionBudget holds back until `timeoutMs` passes. Returns the pods still there.
 */
export async function evictAll(
  kube: KubeApi,
  node: string,
  options: { dryRun: boolean; timeoutMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<{ evicted: string[]; blocked: { pod: string; why: string }[] }> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + options.timeoutMs;
  const evicted: string[] = [];
  let remaining = evictable(await podsOn(kube, node));
  for (;;) {
    const blocked: { pod: string; why: string }[] = [];
    for (const pod of remaining) {
      const name = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
      try {
        await kube.evictPod(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', {
          dryRun: options.dryRun,
          uid: pod.metadata?.uid ?? '',
        });
        evicted.push(name);
      } catch (error) {
        if (error instanceof NotFoundError || error instanceof ConflictError) continue;
        if (!(error instanceof DisruptionBudgetError)) throw error;
        blocked.push({ pod: name, why: error.message });
      }
    }
    if (blocked.length === 0 || options.dryRun || Date.now() >= deadline) return { evicted, blocked };
    await sleep(2_000);
    const left = new Set(blocked.map((b) => b.pod));
    remaining = evictable(await podsOn(kube, node)).filter((p) =>
      left.has(`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`),
    );
  }
}

/** Healthy once no evictable pod is left on the node (of the pods running on it). Pure. */
export function drainedHealth(node: string, pods: readonly V1Pod[]): Health {
  const left = evictable(pods);
  if (left.length === 0) return { state: 'healthy', detail: `no pods left to move off node ${node}` };
  return {
    state: 'progressing',
    detail: `${left.length} pods still on node ${node}: ${left
      .map((p) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`)
      .slice(0, 5)
      .join(', ')}`,
  };
}

/** Healthy while the node stays cordoned; failed when someone uncordoned it. Pure. */
export function cordonedHealth(node: V1Node): Health {
  const name = node.metadata?.name ?? '';
  return node.spec?.unschedulable === true
    ? { state: 'healthy', detail: `node ${name} is cordoned` }
    : { state: 'failed', detail: `node ${name} was uncordoned by someone else` };
}

/** Whether the write cordoned the node: as planned when the plan says how it was, else from the write's diff. */
export function cordonedByUs(params: NodeParams, diff: readonly string[]): boolean {
  return params.cordonedBefore === undefined ? diff.length > 0 : !params.cordonedBefore;
}
