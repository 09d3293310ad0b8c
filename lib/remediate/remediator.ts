import type * as z from 'zod';

import type { FactKey } from '../domain/facts.ts';
import type { Permission } from '../domain/permission.ts';
import type { Diagnosis, Plan } from '../domain/types.ts';
import { ValidationError } from '../errors.ts';
import type { KubeApi } from '../kube/kube-api.ts';

/** The target object as it is just before a write: what the guardrails look at. */
export interface TargetState {
  annotations: Record<string, string>;
  /** The target's labels, for rules that select objects by label. */
  labels?: Record<string, string>;
  /** Why the fix cannot be applied to the object as it is now (e.g. a paused Deployment). */
  blocker?: string;
  /**
   * For fixes that take pods away: the workload's replicas, how many are unavailable now, and
   * whether the fix makes one more unavailable (a guardrail caps the share disrupted at once).
   */
  disruption?: { replicas: number; unavailable: number; adds: number };
  /** The object as `inspect` read it, which `apply` may take as the state before its first write. */
  object?: unknown;
}

/**
 * Why a fix plans nothing for a diagnosis. `fits: false` — it does not answer this diagnosis
 * (facts it needs are missing, the anomaly is not one it answers): the rule's next fix for the
 * anomaly is tried. `fits: true` — it does, but not for the target as it is (a paused
 * Deployment, a bare pod): nothing is planned, and the record says why.
 */
export interface Refusal {
  refused: string;
  fits: boolean;
}

export function isRefusal(planned: Plan | Refusal): planned is Refusal {
  return 'refused' in planned;
}

/** A fix's view of its target after the write: recovered, still on its way, or failed. */
export interface Health {
  state: 'healthy' | 'progressing' | 'failed';
  detail: string;
}

export interface AppliedChange {
  change: string;
  diff?: string[];
  /** What `revert` needs: the values the write replaced. */
  undo?: Record<string, unknown>;
}

/**
 * A remediator is one fix. It plans from a diagnosis's facts (pure), declares what it needs (the
 * facts it reads, its params schema, its limits with their defaults, RBAC, server-side dry-run
 * support) and how it is verified and undone, so config validation, RBAC generation, guardrails
 * and docs are all derived from it. `apply` must be safe to run twice for the same plan: a crash
 * between the write and the record leads to a second run, which must not make a second change.
 *
 * @example
 * export const scaleUp: Remediator<{ replicas: number }, { maxReplicas: number }> = {
 *   action: 'scale-up',
 *   description: 'Raises replicas within configured bounds.',
 *   needs: ['workload'],
 *   paramsSchema: z.object({ replicas: z.number().int().positive() }),
 *   limits: z.object({ maxReplicas: z.number().int().positive().default(20) }),
 *   permissions: [{ apiGroup: 'apps', resource: 'deployments/scale', verbs: ['get', 'patch'] }],
 *   supportsDryRun: true,
 *   verify: 'ready replicas reach the new count',
 *   undo: 'scale back to the recorded replica count',
 *   plan: (diagnosis, limits, now) => ({ action: 'scale-up', target, params: { replicas: 3 }, reason }),
 *   inspect: async (plan, kube) => ({ annotations: {} }),
 *   apply: async (plan, params, kube, { dryRun }) => ({ change: 'scaled to 3' }),
 * };
 */
export interface Remediator<Params = Record<string, unknown>, Limits extends object = Record<string, never>> {
  readonly action: string;
  readonly description: string;
  /** The facts of a diagnosis its `plan` reads (config validation checks a rule can feed them). */
  readonly needs: readonly FactKey[];
  /** The anomalies it answers, when only some make sense (an empty list: run by hand only). */
  readonly answers?: readonly string[];
  readonly paramsSchema: z.ZodType<Params>;
  /** The limits it keeps to, with defaults: its part of the config's `limits`. */
  readonly limits?: z.ZodObject & z.ZodType<Limits>;
  readonly permissions: readonly Permission[];
  readonly supportsDryRun: boolean;
  /** How success is verified, for operators and generated docs. */
  readonly verify: string;
  /** How the change is undone, for operators and generated docs. */
  readonly undo: string;
  /** The plan that answers `diagnosis`, from its facts alone, or why there is none. Pure. */
  plan(diagnosis: Diagnosis, limits: Limits, now: Date): Plan | Refusal;
  /**
   * The params a plan decides for itself when a person asks for the fix by hand (`kubemend run`),
   * e.g. the restart's instant, so that they give only the target and the reason. Pure.
   */
  byHand?(now: Date): Partial<Params>;
  /**
   * The params a plan by hand reads off the target as it is now (read before anything is
   * recorded): the preconditions a planned fix carries from its
   * diagnosis — the replica count, the pod's UID, the memory limit — so that the person gives
   * only what they decide (`--param replicas=4`). `given` is what they gave. Pure.
   */
  fromLive?(live: LiveObject, given: Readonly<Record<string, unknown>>): Partial<Params>;
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
    options: { dryRun: boolean; limits: Limits; inspected?: TargetState },
  ): Promise<AppliedChange>;
  /** After a real write, polled until healthy or failed or the verification window ends. */
  check?(plan: Plan, params: Params, kube: KubeApi, applied: AppliedChange, appliedAt: Date): Promise<Health>;
  /** Puts back what `apply` replaced (from `applied.undo`); returns what it did, in words. */
  revert?(plan: Plan, params: Params, kube: KubeApi, applied: AppliedChange): Promise<string>;
}

/** An object as the API server returns it, as far as `fromLive` reads it. */
export interface LiveObject {
  metadata?: { uid?: string; annotations?: Record<string, string> };
  spec?: {
    replicas?: number;
    maxReplicas?: number;
    resources?: { requests?: Record<string, string> };
    template?: {
      spec?: {
        containers?: {
          name: string;
          resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
        }[];
      };
    };
  };
}

/** A remediator whose params and limits types have been erased, as stored in the registry. */
export type AnyRemediator = Remediator<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The annotations and labels the guardrails look at, from an object's metadata. */
export function metadataFacts(object: {
  metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> };
}): { annotations: Record<string, string>; labels: Record<string, string> } {
  return { annotations: { ...object.metadata?.annotations }, labels: { ...object.metadata?.labels } };
}

/** The refusal of a fix whose anomaly list does not name this one. */
export function answersRefusal(
  remediator: Pick<Remediator, 'action' | 'answers'>,
  diagnosis: Diagnosis,
): Refusal | undefined {
  if (remediator.answers === undefined || remediator.answers.includes(diagnosis.anomaly)) return undefined;
  return {
    refused:
      remediator.answers.length === 0
        ? `${remediator.action} is run by hand only (kubemend run)`
        : `${remediator.action} answers ${remediator.answers.join(', ')}, not ${diagnosis.anomaly}`,
    fits: false,
  };
}

export function requireNamespace(plan: Plan): string {
  if (plan.target.namespace === undefined) {
    throw new ValidationError(
      `plan ${plan.action} targets ${plan.target.kind} ${plan.target.name} without a namespace`,
    );
  }
  return plan.target.namespace;
}
