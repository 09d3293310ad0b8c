import { answersRefusal, type Remediator } from './remediator.ts';
import {
  cordonedByUs,
  DrainLimitsSchema,
  drainedHealth,
  evictAll,
  evictable,
  inspectNode,
  NodeParamsSchema,
  planNodeFix,
  podsOn,
  setUnschedulable,
  type DrainLimits,
  type NodeParams,
} from './node-fixes.ts';

export const drainNode: Remediator<NodeParams, DrainLimits> = {
  action: 'drain-node',
  description:
    'Cordons a node and evicts its pods through the Eviction API (PodDisruptionBudgets honoured; DaemonSet and mirror pods skipped), for at most limits.drainTimeoutSeconds; refused when a pod without a controller would be lost, or when it would leave more than maxUnavailableShare of the nodes out of service.',
  needs: ['node'],
  // A drain needs a kubelet to stop the evicted pods: a node that reports NotReady or pressure
  // has one. An unreachable node has none — evicted pods stay Terminating until its NoExecute
  // taint or a person's out-of-service taint replaces them — so a drain does not answer it.
  // (cordon-node answers whatever a rule maps it to, so it is never suggested.)
  answers: ['node-not-ready', 'node-pressure'],
  paramsSchema: NodeParamsSchema,
  limits: DrainLimitsSchema,
  permissions: [
    { apiGroup: '', resource: 'nodes', verbs: ['get', 'list', 'patch'], clusterScoped: true },
    { apiGroup: '', resource: 'pods', verbs: ['list'], clusterScoped: true },
    { apiGroup: '', resource: 'pods/eviction', verbs: ['create'], clusterScoped: true },
  ],
  supportsDryRun: true,
  verify: 'no evictable pod is left on the node',
  undo: 'uncordon the node (evicted pods are not moved back: their controllers placed them elsewhere)',
  plan: (diagnosis) => answersRefusal(drainNode, diagnosis) ?? planNodeFix('drain-node', diagnosis),
  inspect: async (plan, kube) => {
    const { node: _node, ...state } = await inspectNode(plan, kube);
    const bare = evictable(await podsOn(kube, plan.target.name)).filter(
      (pod) => !pod.metadata?.ownerReferences?.some((o) => o.controller === true),
    );
    return bare.length === 0
      ? state
      : {
          ...state,
          blocker: `pods without a controller would be lost for good: ${bare.map((p) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`).join(', ')}`,
        };
  },
  apply: async (plan, params, kube, { dryRun, limits }) => {
    const name = plan.target.name;
    const diff = await setUnschedulable(kube, name, true, dryRun);
    const { evicted, blocked } = await evictAll(kube, name, {
      dryRun,
      timeoutMs: limits.drainTimeoutSeconds * 1000,
    });
    const words = dryRun ? 'would cordon and drain' : 'cordoned and drained';
    const held =
      blocked.length === 0
        ? ''
        : `; ${blocked.length} held back by PodDisruptionBudgets: ${blocked.map((b) => b.pod).join(', ')}`;
    return {
      change: `${words} node ${name}: ${evicted.length} pods evicted${held}`,
      diff: [...diff, ...evicted.map((pod) => `pod ${pod}: evicted`)],
      undo: { cordoned: cordonedByUs(params, diff) },
    };
  },
  check: async (plan, _params, kube) => drainedHealth(plan.target.name, await podsOn(kube, plan.target.name)),
  revert: async (plan, _params, kube, applied) => {
    if (applied.undo?.cordoned !== true) return `node ${plan.target.name} was cordoned before: left as it was`;
    await setUnschedulable(kube, plan.target.name, false, false);
    return `uncordoned node ${plan.target.name}`;
  },
};
