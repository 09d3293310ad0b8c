import type { Mode } from '../../domain/types.ts';
import type { GuardContext, Verdict } from '../../guardrails/guard.ts';
import { guards as registered } from '../../guardrails/registry.ts';
import type { TargetState } from '../../remediate/remediator.ts';
import type { Run } from './run.ts';

/** The guard context for a run, with the target as `inspect` read it. */
export function guardContext(run: Run, target: TargetState, mode: Mode, resuming = false): GuardContext {
  const { deps } = run;
  return {
    plan: run.plan,
    rule: run.rule,
    config: deps.config,
    outcome: run.outcome,
    remediator: run.remediator,
    params: run.params,
    limits: run.limits,
    target,
    mode,
    now: deps.clock(),
    targetKey: run.targetKey,
    leaseMs: run.targetLeaseMs,
    resuming,
    store: deps.store,
    killSwitch: deps.killSwitch,
    targetGuard: deps.targetGuard,
  };
}

/**
 * Runs the guards of `phase` in the registry's order (only those checked again on a resumed
 * write, when resuming) and stops at the first that does not allow the plan.
 */
export async function runGuards(run: Run, phase: 'plan' | 'write', context: GuardContext): Promise<Verdict> {
  for (const guard of run.deps.guards ?? registered) {
    if (guard.phase !== phase || (context.resuming && guard.onResume !== true)) continue;
    const verdict = await guard.check(context);
    if (!verdict.allowed) return verdict;
  }
  return { allowed: true };
}
