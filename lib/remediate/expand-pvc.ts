import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import * as z from 'zod';

import type { Diagnosis, Plan } from '../domain/types.ts';
import { widening } from '../domain/widening.ts';
import { ValidationError } from '../errors.ts';
import { condition } from '../kube/objects.ts';
import { grow, parseBytes, QUANTITY } from '../kube/quantity.ts';
import { objectDiff } from './object-diff.ts';
import {
  answersRefusal,
  metadataFacts,
  requireNamespace,
  type Health,
  type Refusal,
  type Remediator,
} from './remediator.ts';

export const ExpandPvcParamsSchema = z.object({
  /** The requested size when diagnosed; refused if it changed since. */
  from: z.string().min(1),
});
export type ExpandPvcParams = z.infer<typeof ExpandPvcParamsSchema>;

export const ExpandPvcLimitsSchema = z.object({
  /** expand-pvc: multiply the requested size by this factor, up to maxStorage. */
  storageFactor: z.number().gt(1).max(4).default(1.5).register(widening, { widens: 'higher' }),
  maxStorage: z
    .string()
    .regex(QUANTITY, 'expected a quantity such as 1Ti')
    .default('1Ti')
    .register(widening, { widens: 'higher' }),
});
export type ExpandPvcLimits = z.infer<typeof ExpandPvcLimitsSchema>;

/** Grow the filling volume, when its StorageClass allows expanding in place. Pure. */
function planExpand(diagnosis: Diagnosis): Plan | Refusal {
  const skip = answersRefusal(expandPvc, diagnosis);
  if (skip !== undefined) return skip;
  const volume = diagnosis.facts.volume;
  if (volume === undefined) return { refused: 'the diagnosis names no PersistentVolumeClaim', fits: false };
  const className = volume.storageClass ?? '(default)';
  if (!volume.expandable) {
    return { refused: `storage class ${className} does not allow volume expansion`, fits: true };
  }
  return {
    action: 'expand-pvc',
    target: {
      kind: 'PersistentVolumeClaim',
      namespace: volume.namespace,
      name: volume.name,
      ...(volume.uid === undefined ? {} : { uid: volume.uid }),
    },
    params: { from: volume.requested } satisfies ExpandPvcParams,
    reason: `volume ${volume.name} (${volume.capacity ?? volume.requested}) is filling up and storage class ${className} allows expansion`,
  };
}

/**
 * After the resize: healthy once the capacity reaches the new size, or the volume grew and only
 * its file system waits for a pod to mount it; failed on a resize error. Pure.
 */
export function resizeHealth(pvc: V1PersistentVolumeClaim, want: string): Health {
  const capacity = String(pvc.status?.capacity?.storage ?? '0');
  if (parseBytes(capacity) >= parseBytes(want)) return { state: 'healthy', detail: `capacity is ${capacity}` };
  if (condition(pvc.status?.conditions, 'FileSystemResizePending')?.status === 'True') {
    return { state: 'healthy', detail: 'the volume grew; its file system grows when a pod next mounts it' };
  }
  const failed =
    condition(pvc.status?.conditions, 'ControllerResizeError') ?? condition(pvc.status?.conditions, 'NodeResizeError');
  if (failed?.status === 'True') return { state: 'failed', detail: `resize failed: ${failed.message ?? ''}` };
  return { state: 'progressing', detail: `capacity ${capacity}, waiting for ${want}` };
}

export function expandedSize(params: ExpandPvcParams, limits: ExpandPvcLimits): string | undefined {
  return grow(params.from, limits.storageFactor, limits.maxStorage, 'Gi');
}

export const expandPvc: Remediator<ExpandPvcParams, ExpandPvcLimits> = {
  action: 'expand-pvc',
  description:
    'Grows a PersistentVolumeClaim by limits.storageFactor, up to limits.maxStorage, when its StorageClass allows volume expansion.',
  needs: ['volume'],
  answers: ['volume-filling', 'inodes-filling'],
  paramsSchema: ExpandPvcParamsSchema,
  fromLive: (live) => {
    const size = live.spec?.resources?.requests?.storage;
    return size === undefined ? {} : { from: size };
  },
  limits: ExpandPvcLimitsSchema,
  permissions: [{ apiGroup: '', resource: 'persistentvolumeclaims', verbs: ['get', 'patch'] }],
  supportsDryRun: true,
  verify: "the volume's capacity reaches the new size (or the resize waits only for a pod restart)",
  undo: 'none possible: Kubernetes cannot shrink a volume',
  plan: (diagnosis) => planExpand(diagnosis),
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
    return resizeHealth(pvc, typeof applied.undo?.size === 'string' ? applied.undo.size : '0');
  },
};
