import type * as z from 'zod';

import type { Plan } from '../domain/types.ts';
import type { KubeApi } from '../kube/kube-api.ts';

/** One RBAC rule a remediator needs; `infra/` RBAC is generated from and checked against these. */
export interface Permission {
  apiGroup: string;
  resource: string;
  verbs: readonly string[];
  /** Needed across the cluster (nodes, or pods on a node in any namespace): bound cluster-wide. */
  clusterScoped?: boolean;
}

/** The target object as it is just before a write: what policy and preconditions look at. */
export interface TargetState {
  annotations: Record<string, string>;
  /** The target's labels, for rules that select objects by label. */
  labels?: Record<string, string>;
  /** Why the fix cannot be applied to the object as it is now (e.g. a paused Deployment). */
  blocker?: string;
  /**
   * For fixes that take pods away: the workload's replicas, how many are unavailable now, and
   * whether the fix makes one more unavailable (policy caps the share disrupted at once).
   */
  disruption?: { replicas: number; unavailable: number; adds: number };
  /** The object as `inspect` read it, which `apply` may take as the state before its first write. */
  object?: unknown;
}

/** Numeric bounds a fix must stay within (config `limits`). */
export interface Limits {
  maxReplicas: number;
  maxHpaReplicas: number;
  memoryFactor: number;
  maxMemory: string;
  storageFactor: number;
  maxStorage: string;
  drainTimeoutSeconds: number;
}

/** A fix's view of its target after the write: recovered, still on its way, or failed. */
export interface Health {
  state: 'healthy' | 'progressing' | 'failed';
  detail: string;
}

/**
 * A remediator applies one kind of plan. It declares what it needs (params schema, RBAC,
 * server-side dry-run support) and how it is verified and undone, so policy, RBAC generation and
 * docs can be derived from it. `apply` must be safe to run twice for the same plan: a crash
 * between the write and the record leads to a second run, which must not make a second change.
 *
 * @example
 * export const scaleUp: Remediator<{ replicas: number }> = {
 *   action: 'scale-up',
 *   description: 'Raises replicas within configured bounds.',
 *   paramsSchema: z.object({ replicas: z.number().int().positive() }),
 *   permissions: [{ apiGroup: 'apps', resource: 'deployments/scale', verbs: ['get', 'patch'] }],
 *   supportsDryRun: true,
 *   verify: 'ready replicas reach the new count',
 *   undo: 'scale back to the recorded replica count',
 *   inspect: async (plan, kube) => ({ annotations: {} }),
 *   apply: async (plan, params, kube, { dryRun }) => ({ change: 'scaled to 5' }),
 * };
 */
export interface Remediator<Params = Record<string, unknown>> {
  readonly action: string;
  readonly description: string;
  readonly paramsSchema: z.ZodType<Params>;
  readonly permissions: readonly Permission[];
  readonly supportsDryRun: boolean;
  /** How success is verified, for operators and generated docs. */
  readonly verify: string;
  /** How the change is undone, for operators and generated docs. */
  readonly undo: string;
  inspect(plan: Plan, kube: KubeApi): Promise<TargetState>;
  /** Why these params exceed the configured limits, or undefined. Pure. */
  exceeds?(params: Params, limits: Limits): string | undefined;
  /**
   * Performs (or dry-runs) the change and returns what it did, in words, and — where the object
   * is changed rather than removed — the diff between the live object and what the server wrote
   * (or, in a dry run, would have written).
   */
  apply(
    plan: Plan,
    params: Params,
    kube: KubeApi,
    options: { dryRun: boolean; limits?: Limits; inspected?: TargetState },
  ): Promise<AppliedChange>;
  /** After a real write, polled until healthy or failed or the verification window ends. */
  check?(plan: Plan, params: Params, kube: KubeApi, applied: AppliedChange, appliedAt: Date): Promise<Health>;
  /** Puts back what `apply` replaced (from `applied.undo`); returns what it did, in words. */
  revert?(plan: Plan, params: Params, kube: KubeApi, applied: AppliedChange): Promise<string>;
}

export interface AppliedChange {
  change: string;
  diff?: string[];
  /** What `revert` needs: the values the write replaced. */
  undo?: Record<string, unknown>;
}

/** A remediator whose params type has been erased, as stored in the registry. */
export type AnyRemediator = Remediator<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The annotations and labels policy looks at, from an object's metadata. */
export function metadataFacts(object: {
  metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> };
}): { annotations: Record<string, string>; labels: Record<string, string> } {
  return { annotations: { ...object.metadata?.annotations }, labels: { ...object.metadata?.labels } };
}
