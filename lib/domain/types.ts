import * as z from 'zod';

import { AlertSchema } from '../alert/schema.ts';
import { FactsSchema } from './facts.ts';

export type { Alert } from '../alert/schema.ts';

/** A Kubernetes object that a diagnosis is about or that a plan changes. */
export const ObjectRefSchema = z.object({
  kind: z.string().min(1),
  namespace: z.string().min(1).optional(),
  name: z.string().min(1),
  uid: z.string().optional(),
});
export type ObjectRef = z.infer<typeof ObjectRefSchema>;

/** One fact a detector saw, worded for a human, with where it came from. */
export const EvidenceSchema = z.object({
  source: z.string(),
  message: z.string(),
  at: z.string().optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** What a remediator should do, to which object, with which parameters, and why. */
export const PlanSchema = z.object({
  action: z.string().min(1),
  target: ObjectRefSchema,
  params: z.record(z.string(), z.unknown()),
  reason: z.string(),
});
export type Plan = z.infer<typeof PlanSchema>;

/**
 * A fix that would answer a diagnosis but that the rule does not map to its anomaly: what it would
 * do (its plan, with the params in words) and the line of configuration that would let it run.
 * Advice for a person, recorded beside a diagnosis-only result; never a refusal.
 */
export const SuggestionSchema = z.object({
  action: z.string().min(1),
  target: ObjectRefSchema,
  /** The plan's params as `key=value`, comma-separated ('' when it has none). */
  params: z.string(),
  reason: z.string(),
  /** Which rule and anomaly it is not enabled for. */
  rule: z.string(),
  anomaly: z.string(),
  /** The one-line hint: `to enable: add \`<anomaly>: <fix>\` under rules[<alertname>].fixes`. */
  enable: z.string(),
});
export type Suggestion = z.infer<typeof SuggestionSchema>;

/**
 * A detector's conclusion about one alert instance: what is wrong (`anomaly`), about which
 * object, in words, with the evidence it rests on and the typed facts a fix plans from. Which fix
 * (if any) answers the anomaly is configuration (`rules[].fixes`), never the detector's choice.
 */
export const DiagnosisSchema = z.object({
  detector: z.string(),
  anomaly: z.string(),
  target: ObjectRefSchema,
  summary: z.string(),
  confidence: z.number().min(0).max(1),
  evidence: z.array(EvidenceSchema),
  facts: FactsSchema.default({}),
});
export type Diagnosis = z.infer<typeof DiagnosisSchema>;

/** How far a rule may go: record only, ask the API server to dry-run the write, or write. */
export const ModeSchema = z.enum(['observe', 'dry-run', 'enforce']);
export type Mode = z.infer<typeof ModeSchema>;

/** How far each mode goes: observe < dry-run < enforce (only enforce writes). */
export const MODE_REACH: Readonly<Record<Mode, number>> = { observe: 0, 'dry-run': 1, enforce: 2 };

/** The more cautious of two modes. */
export function mostCautious(a: Mode, b: Mode): Mode {
  return MODE_REACH[b] < MODE_REACH[a] ? b : a;
}

export const PolicyDecisionSchema = z.object({
  allowed: z.boolean(),
  mode: ModeSchema,
  reason: z.string(),
});
export type PolicyDecision = z.infer<typeof PolicyDecisionSchema>;

/**
 * Where an alert instance is. `received`, `planned`, `applying` and `verifying` are in flight (a
 * worker may hold a lease on them); `awaiting-approval` waits for a person (`kubemend approve`)
 * until its approval window ends; `done` is final and carries a `result`.
 */
export const StageSchema = z.enum(['received', 'planned', 'awaiting-approval', 'applying', 'verifying', 'done']);
export type Stage = z.infer<typeof StageSchema>;

/**
 * - `no-action`: nothing to do (no detector, nothing wrong any more, no safe fix);
 * - `observed` / `dry-run` / `applied`: the plan was recorded / dry-run by the API server / written;
 * - `refused`: policy refused the plan; `failed`: an error stopped it;
 * - `cluster-unreachable`: no cluster could be reached; `unknown-cluster`: the alert names a
 *   cluster the registry does not know; `resolved`: the alert resolved first.
 */
export const ResultSchema = z.enum([
  'no-action',
  'observed',
  'dry-run',
  'applied',
  'refused',
  'failed',
  'cluster-unreachable',
  'unknown-cluster',
  'resolved',
]);
export type Result = z.infer<typeof ResultSchema>;

export const TimingsSchema = z.object({
  receivedAt: z.string(),
  diagnosedAt: z.string().optional(),
  decidedAt: z.string().optional(),
  appliedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});

/** The durable record of one alert instance, from receipt to its final result. */
export const OutcomeSchema = z.object({
  id: z.string(),
  alert: AlertSchema,
  cluster: z.string().optional(),
  stage: StageSchema,
  result: ResultSchema.optional(),
  reason: z.string().optional(),
  diagnosis: DiagnosisSchema.optional(),
  plan: PlanSchema.optional(),
  /** With a diagnosis-only result: the fix that would answer it, were the rule to map it. */
  suggestion: SuggestionSchema.optional(),
  policy: PolicyDecisionSchema.optional(),
  change: z.string().optional(),
  /** What the write changed (or, in a dry run, would have changed) in the object. */
  diff: z.array(z.string()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** What started it: an Alertmanager notification (its receiver and group), an audit, or a person. */
  trigger: z
    .object({
      kind: z.enum(['alert', 'audit', 'manual']),
      receiver: z.string().optional(),
      groupKey: z.string().optional(),
      by: z.string().optional(),
      /** A manual run's mode (observe, dry-run or enforce); alerts take theirs from their rule. */
      mode: ModeSchema.optional(),
    })
    .optional(),
  /** What the fix needs to undo itself (the values it replaced), recorded before it is verified. */
  undo: z.record(z.string(), z.unknown()).optional(),
  /** After a write: whether the target recovered in time, and whether the fix was undone. */
  verification: z
    .object({
      status: z.enum(['verified', 'not-recovered', 'worse']),
      detail: z.string(),
      checkedAt: z.string(),
      undone: z.string().optional(),
    })
    .optional(),
  /** For actions that need a person's approval: when it was asked for, until when, and who gave it. */
  approval: z
    .object({
      requestedAt: z.string(),
      expiresAt: z.string(),
      by: z.string().optional(),
      at: z.string().optional(),
      /** The person turned the fix down (`kubemend reject`): `by` and `at` say who and when. */
      rejected: z.boolean().optional(),
    })
    .optional(),
  timings: TimingsSchema,
  attempts: z.number().int().nonnegative(),
  resolvedAt: z.string().optional(),
});
export type Outcome = z.infer<typeof OutcomeSchema>;

export function isFinal(outcome: Pick<Outcome, 'stage'>): boolean {
  return outcome.stage === 'done';
}
