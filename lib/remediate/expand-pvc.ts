import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import * as z from 'zod';

import { condition } from '../detect/k8s-util.ts';
import type { Plan } from '../domain/types.ts';
import { ValidationError } from '../errors.ts';
import { grow, parseBytes } from '../kube/quantity.ts';
import { objectDiff } from './object-diff.ts';
import { metadataFacts, type Limits, type Remediator } from './remediator.ts';
import { requireNamespace } from './rollout-restart.ts';

export const ExpandPvcParamsSchema = z.object({
  /** The requested size when diagnosed; refused if it changed since. */
  from: z.string().min(1),
});
export type ExpandPvcParams = z.infer<typeof ExpandPvcParamsSchema>;

export function planExpandPvc(pvc: V1PersistentVolumeClaim, reason: string): Plan {
  return {
    action: expandPvc.action,
    target: {
      kind: 'PersistentVolumeClaim',
      namespace: pvc.metadata?.namespace,
      name: pvc.metadata?.name ?? '',
      uid: pvc.metadata?.uid,
    },
    params: { from: String(pvc.spec?.resources?.requests?.storage ?? '') } satisfies ExpandPvcParams,
    reason,
  };
}

export function expandedSize(params: ExpandPvcParams, limits: Limits): string | undefined {
  return grow(params.from, limits.storageFactor, limits.maxStorage, 'Gi');
}

export const expandPvc: Remediator<ExpandPvcParams> = {
  action: 'expand-pvc',
  description:
    'Grows a PersistentVolumeClaim by limits.storageFactor, up to limits.maxStorage, when its StorageClass allows volume expansion.',
  paramsSchema: ExpandPvcParamsSchema,
  permissions: [{ apiGroup: '', resource: 'persistentvolumeclaims', verbs: ['get', 'patch'] }],
  supportsDryRun: true,
  verify: "the volume's capacity reaches the new size (or the resize waits only for a pod restart)",
  undo: 'none possible: Kubernetes cannot shrink a volume',
  exceeds: (params, limits) =>
    expandedSize(params, limits) === undefined
      ? `volume size ${params.from} is already at maxStorage ${limits.maxStorage}`
      : undefined,
  inspect: async (plan, kube) => {
    // Whether its StorageClass allows expansion was checked when planning; the API server's
    // admission checks it again on the write (and on the dry run), so no cluster-wide read here.
    const pvc = await kube.read('PersistentVolumeClaim', plan.target.name, requireNamespace(plan));
    let blocker: string | undefined;
    if (pvc.status?.phase !== 'Bound') blocker = `the claim is ${pvc.status?.phase ?? 'not bound'}, not Bound`;
    else if (!pvc.spec?.storageClassName) blocker = 'the claim has no storage class to expand through';
    return { ...metadataFacts(pvc), blocker };
  },
  apply: async (plan, params, kube, { dryRun, limits }) => {
    if (limits === undefined) throw new ValidationError('expand-pvc needs the configured limits');
    const to = expandedSize(params, limits);
    if (to === undefined) throw new ValidationError(`volume size ${params.from} is already at the cap`);
    const namespace = requireNamespace(plan);
    const before = await kube.read('PersistentVolumeClaim', plan.target.name, namespace);
    const current = String(before.spec?.resources?.requests?.storage ?? '');
    const what = `PVC ${namespace}/${plan.target.name} from ${params.from} to ${to}`;
    if (current === to) return { change: `${what}: already expanded`, diff: [], undo: { size: to } };
    if (current !== params.from)
      throw new ValidationError(`PVC ${namespace}/${plan.target.name} requests ${current} now, not ${params.from}`);
    const after = await kube.patch(
      'PersistentVolumeClaim',
      plan.target.name,
      namespace,
      { spec: { resources: { requests: { storage: to } } } },
      { dryRun, resourceVersion: before.metadata?.resourceVersion },
    );
    return {
      change: `${dryRun ? 'would expand' : 'expanded'} ${what}`,
      diff: objectDiff(before, after),
      undo: { size: to },
    };
  },
  check: async (plan, _params, kube, applied) => {
    const pvc = await kube.read('PersistentVolumeClaim', plan.target.name, requireNamespace(plan));
    const want = typeof applied.undo?.size === 'string' ? applied.undo.size : '0';
    const capacity = String(pvc.status?.capacity?.storage ?? '0');
    if (parseBytes(capacity) >= parseBytes(want)) return { state: 'healthy', detail: `capacity is ${capacity}` };
    if (condition(pvc.status?.conditions, 'FileSystemResizePending')?.status === 'True') {
      return { state: 'healthy', detail: 'the volume grew; its file system grows when a pod next mounts it' };
    }
    const failed =
      condition(pvc.status?.conditions, 'ControllerResizeError') ??
      condition(pvc.status?.conditions, 'NodeResizeError');
    if (failed?.status === 'True') return { state: 'failed', detail: `resize failed: ${failed.message ?? ''}` };
    return { state: 'progressing', detail: `capacity ${capacity}, waiting for ${want}` };
  },
};
