import type { AgentConfig, Rule } from '../config/agent-config.ts';
import type { Mode, Outcome, Plan } from '../domain/types.ts';
import type { Limits } from '../remediate/registry.ts';
import type { AnyRemediator, TargetState } from '../remediate/remediator.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';
import type { KillSwitch } from './kill-switch.ts';
import type { TargetGuard } from './target-guard.ts';

/** Everything a guard may look at for one plan: the plan, its rule, the target as it is now. */
export interface GuardContext {
  plan: Plan;
  rule: Rule;
  config: AgentConfig;
  outcome: Outcome;
  remediator: AnyRemediator;
  params: unknown;
  limits: Limits;
  /**
   * The target as `inspect` read it just now. A resumed write does not read it again (only the
   * guards marked `onResume` run, and none of them reads the target): it gets no annotations.
   */
  target: TargetState;
  /** The mode this plan runs in (the rule's, lowered by its namespace's). */
  mode: Mode;
  now: Date;
  /** `<cluster>/<Kind>/<namespace>/<name>`: the key of the target's lease and cooldown. */
  targetKey: string;
  /** How long the target's lease is held (the worker's lease plus the verification window). */
  leaseMs: number;
  /** An interrupted write is being resumed (only the `onResume` guards run). */
  resuming: boolean;
  store: OutcomeStore;
  killSwitch: KillSwitch;
  targetGuard: TargetGuard;
}

/**
 * One guard's answer: go on, or stop with the result the record ends with (`refused`, or
 * `resolved` when the alert resolved first), or the stage it waits in (`awaiting-approval`), and
 * why in words. The same shape for every guard.
 */
export type Verdict =
  { allowed: true } | { allowed: false; result: 'refused' | 'resolved' | 'awaiting-approval'; reason: string };

export const ALLOWED: Verdict = { allowed: true };

export function refused(reason: string): Verdict {
  return { allowed: false, result: 'refused', reason };
}

/**
 * A guardrail: one check run before a plan reaches the cluster, in the order of the registry
 * (lib/guardrails/registry.ts). Pure where it can be; a guard that reads or takes something (the
 * kill switch, the circuit breaker's count, the target's lease) does so through the context's
 * ports. Its words (`what`, `fallback`, `recordedAs`) make the README's guardrail table.
 *
 * @example
 * export const optOut: Guard = {
 *   name: 'opt-out',
 *   what: 'opt-out annotation on the target',
 *   fallback: (config) => `${config.optOutAnnotation}: "true"`,
 *   recordedAs: '`refused`: opts out',
 *   phase: 'plan',
 *   check: (ctx) => (optsOut(ctx) ? refused('… opts out …') : ALLOWED),
 * };
 */
export interface Guard {
  readonly name: string;
  /** What it checks, in a few words (the README table's first column). */
  readonly what: string;
  /** Its default, from the shipped defaults. */
  fallback(defaults: AgentConfig): string;
  /** How a refusal is recorded. */
  readonly recordedAs: string;
  /**
   * `plan`: checked for every plan, whatever the mode (a refusal stops an observe or dry-run too);
   * `write`: checked only before a real write (enforce).
   */
  readonly phase: 'plan' | 'write';
  /** Checked again when an interrupted write is resumed (the earlier run settled the others). */
  readonly onResume?: boolean;
  check(context: GuardContext): Verdict | Promise<Verdict>;
}

/** `deployment payments/checkout`. */
export function describeTarget(target: { kind: string; namespace?: string; name: string }): string {
  return `${target.kind.toLowerCase()} ${target.namespace === undefined ? '' : `${target.namespace}/`}${target.name}`;
}
