import type { Outcome } from '../../domain/types.ts';
import { describeTarget } from '../../guardrails/guard.ts';
import { effectiveMode, MODE_WORDS } from '../../guardrails/mode.ts';
import type { KubeApi } from '../../kube/kube-api.ts';
import { finish } from '../finish.ts';
import { awaitApproval } from './approval-wait.ts';
import { guardContext, runGuards } from './guards.ts';
import type { Run } from './run.ts';
import { releasing, writeAndVerify } from './write.ts';

/**
 * A planned record's first run: re-read the target, run the plan guards, then — as the mode says
 * — record the plan (observe), ask the API server to dry-run it, or run the write guards and
 * write it (enforce), holding the target's lease through the write and its verification.
 */
export async function decideAndRun(run: Run, kube: KubeApi): Promise<Outcome> {
  const { deps, plan, rule } = run;
  const target = await run.remediator.inspect(plan, kube);
  const mode = effectiveMode(rule.mode ?? deps.config.defaults.mode, plan.target.namespace, deps.config);
  const verdict = await runGuards(run, 'plan', guardContext(run, target, mode));
  const decidedAt = deps.clock().toISOString();
  const policy = verdict.allowed
    ? { allowed: true, mode, reason: MODE_WORDS[mode] }
    : { allowed: false, mode, reason: verdict.reason };
  run.outcome = { ...run.outcome, policy, timings: { ...run.outcome.timings, decidedAt } };
  if (!verdict.allowed)
    return finish(deps, run.outcome, verdict.result === 'resolved' ? 'resolved' : 'refused', verdict.reason);

  if (mode === 'observe') {
    return finish(
      deps,
      run.outcome,
      'observed',
      `${policy.reason}: would ${plan.action} ${describeTarget(plan.target)}`,
    );
  }
  if (mode === 'dry-run') {
    if (!run.remediator.supportsDryRun) {
      return finish(deps, run.outcome, 'observed', `${plan.action} has no server-side dry-run; recorded only`);
    }
    const { change, diff } = await run.remediator.apply(plan, run.params, kube, {
      dryRun: true,
      limits: run.limits,
      inspected: target,
    });
    return finish(deps, { ...run.outcome, change, ...(diff === undefined ? {} : { diff }) }, 'dry-run', policy.reason);
  }
  const writeVerdict = await runGuards(run, 'write', guardContext(run, target, mode));
  if (!writeVerdict.allowed) {
    if (writeVerdict.result === 'awaiting-approval') return awaitApproval(run);
    return finish(deps, run.outcome, 'refused', writeVerdict.reason);
  }
  // The last write guard took the target's lease.
  return releasing(run, () => writeAndVerify(run, kube, policy.reason, target));
}
