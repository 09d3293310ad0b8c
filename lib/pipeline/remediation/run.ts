import type { Logger } from 'pino';

import { effectiveLimits, findRule, type AgentConfig, type Rule } from '../../config/agent-config.ts';
import type { Outcome, Plan } from '../../domain/types.ts';
import type { Guard } from '../../guardrails/guard.ts';
import type { KillSwitch } from '../../guardrails/kill-switch.ts';
import { targetKey, type TargetGuard } from '../../guardrails/target-guard.ts';
import type { KubeProvider } from '../../kube/kube-api.ts';
import type { Queue } from '../../queue/queue.ts';
import type { Limits } from '../../remediate/registry.ts';
import { findRemediator } from '../../remediate/registry.ts';
import type { AnyRemediator } from '../../remediate/remediator.ts';
import type { OutcomeStore } from '../../store/outcome-store.ts';
import type { FinishDeps } from '../finish.ts';
import type { PlanMessage } from '../messages.ts';

export interface RemediateDeps extends FinishDeps {
  store: OutcomeStore;
  config: AgentConfig;
  remediators: readonly AnyRemediator[];
  kube: KubeProvider;
  clock: () => Date;
  logger: Logger;
  leaseMs: number;
  /** Checked before every write; on means refuse. */
  killSwitch: KillSwitch;
  /** One fix in flight per target, and a cooldown after each. */
  targetGuard: TargetGuard;
  /** The guardrails, in order (lib/guardrails/registry.ts when undefined). */
  guards?: readonly Guard[];
  /** Waits between verification checks (tests pass one that moves a manual clock). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Where a run started directly (an approval, a manual fix) hands a fix it left unfinished, for
   * the queue to finish; runs taken from the plan queue are retried by that queue itself.
   */
  followUps?: Queue<PlanMessage>;
}

/** How far the write got: a failure after `deciding` leaves the record for a follow-up. */
export type Phase = 'deciding' | 'writing' | 'written';

/** One remediation of one claimed record, as it moves from decision to write to verification. */
export interface Run {
  deps: RemediateDeps;
  log: Logger;
  /** The record as it stands (replaced as the run moves on). */
  outcome: Outcome;
  phase: Phase;
  /** The record was left at `applying` or `verifying`: an earlier attempt's write may have landed. */
  resumed: boolean;
  plan: Plan;
  rule: Rule;
  remediator: AnyRemediator;
  params: unknown;
  limits: Limits;
  targetKey: string;
  /** The target's lease: the worker's lease plus the verification window. */
  targetLeaseMs: number;
}

/**
 * The run for a claimed record: its rule (a manual run carries its own), its fix and the fix's
 * params as planned; or why it cannot run, for a final `failed` or `refused` record.
 */
export function openRun(
  outcome: Outcome,
  deps: RemediateDeps,
  log: Logger,
): Run | { result: 'failed' | 'refused'; reason: string } {
  const plan = outcome.plan;
  if (plan === undefined || outcome.stage === 'received' || outcome.stage === 'done') {
    return { result: 'failed', reason: `record is at stage ${outcome.stage} with no plan to apply` };
  }
  const rule = findRule(deps.config, outcome.alert.labels.alertname) ?? manualRule(outcome);
  if (rule === undefined) return { result: 'refused', reason: 'no rule covers this alert any more' };
  const remediator = findRemediator(plan.action, deps.remediators);
  if (remediator === undefined) return { result: 'failed', reason: `action ${plan.action} is not in this build` };
  const params = remediator.paramsSchema.safeParse(plan.params);
  if (!params.success) {
    return { result: 'failed', reason: `plan params are invalid for ${plan.action}: ${params.error.message}` };
  }
  return {
    deps,
    log,
    outcome,
    phase: outcome.stage === 'verifying' ? 'written' : outcome.stage === 'applying' ? 'writing' : 'deciding',
    resumed: outcome.stage === 'verifying' || outcome.stage === 'applying',
    plan,
    rule,
    remediator,
    params: params.data,
    limits: effectiveLimits(deps.config, rule),
    targetKey: targetKey(outcome.cluster, plan.target),
    targetLeaseMs: deps.leaseMs + deps.config.defaults.verify.timeoutSeconds * 1000,
  };
}

/** Manual runs carry their own rule-less plan: they are governed by the defaults. */
function manualRule(outcome: Outcome): Rule | undefined {
  if (outcome.trigger?.kind !== 'manual' || outcome.plan === undefined) return undefined;
  return {
    alertname: outcome.alert.labels.alertname ?? 'manual',
    detector: 'manual',
    fixes: { '*': [outcome.plan.action] },
    mode: outcome.trigger.mode,
  };
}
