import type { Remediator } from './remediator.ts';
import {
  cordonedByUs,
  cordonedHealth,
  inspectNode,
  NodeParamsSchema,
  planNodeFix,
  setUnschedulable,
  type NodeParams,
} from './node-fixes.ts';

export const cordonNode: Remediator<NodeParams> = {
  action: 'cordon-node',
  description:
    'Marks a node unschedulable so no new pods land on it (its pods keep running); refused when it would leave more than maxUnavailableShare of the nodes out of service.',
  needs: ['node'],
  paramsSchema: NodeParamsSchema,
  permissions: [{ apiGroup: '', resource: 'nodes', verbs: ['get', 'list', 'patch'], clusterScoped: true }],
  supportsDryRun: true,
  verify: 'the node reports spec.unschedulable',
  undo: 'uncordon the node (only if kubemend cordoned it)',
  plan: (diagnosis) => planNodeFix('cordon-node', diagnosis),
  inspect: async (plan, kube) => {
    const { node: _node, ...state } = await inspectNode(plan, kube);
    return state;
  },
  apply: async (plan, params, kube, { dryRun }) => {
    const diff = await setUnschedulable(kube, plan.target.name, true, dryRun);
    const what = `node ${plan.target.name}`;
    const undo = { cordoned: cordonedByUs(params, diff) };
    if (diff.length === 0) return { change: `${what} was already cordoned`, diff, undo };
    return { change: `${dryRun ? 'would cordon' : 'cordoned'} ${what}`, diff, undo };
  },
  check: async (plan, _params, kube) => cordonedHealth(await kube.read('Node', plan.target.name)),
  revert: async (plan, _params, kube, applied) => {
    if (applied.undo?.cordoned !== true) return `node ${plan.target.name} was cordoned before: left as it was`;
    await setUnschedulable(kube, plan.target.name, false, false);
    return `uncordoned node ${plan.target.name}`;
  },
};
