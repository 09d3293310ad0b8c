import { ClusterUnreachableError, describeError, ForbiddenError } from '../../errors.ts';
import type { Outcome } from '../../domain/types.ts';
import type { KubeApi } from '../../kube/kube-api.ts';
import type { AppliedChange, Health } from '../../remediate/remediator.ts';
import { finish } from '../finish.ts';
import type { Run } from './run.ts';

/**
 * Polls the fix's health until it is healthy, failed, or the verification window (from the
 * write) ends; then records `applied` (verified), or undoes the fix where it can and records
 * `failed` with what was seen. Never throws for a failed check: that is a verification result
 * (only an unreachable cluster is thrown, for the run to be finished later); a check RBAC refused
 * is asked again until the window ends.
 */
export async function verifyFix(run: Run, kube: KubeApi, applied: AppliedChange): Promise<Outcome> {
  const { deps, plan, remediator, params } = run;
  const outcome = run.outcome;
  const { timeoutSeconds } = deps.config.defaults.verify;
  const health = await pollHealth(run, kube, applied);
  const checkedAt = deps.clock().toISOString();
  if (health.state === 'healthy') {
    return finish(
      deps,
      { ...outcome, verification: { status: 'verified', detail: health.detail, checkedAt } },
      'applied',
      `${outcome.policy?.reason ?? 'applied'}; verified: ${health.detail}`,
    );
  }
  const status = health.state === 'failed' ? 'worse' : 'not-recovered';
  const seen = status === 'worse' ? health.detail : `not recovered after ${timeoutSeconds}s: ${health.detail}`;
  let undone: string | undefined;
  if (remediator.revert !== undefined) {
    try {
      undone = await remediator.revert(plan, params, kube, applied);
    } catch (error) {
      undone = `undo failed: ${describeError(error).message}`;
    }
  }
  return finish(
    deps,
    { ...outcome, verification: { status, detail: seen, checkedAt, ...(undone === undefined ? {} : { undone }) } },
    'failed',
    `${plan.action} was applied but ${seen}; ${undone === undefined ? 'this fix has no undo: escalated' : `undone: ${undone}`}`,
  );
}

/** The fix's health, asked every `intervalSeconds` until it settles or the window ends. */
async function pollHealth(run: Run, kube: KubeApi, applied: AppliedChange): Promise<Health> {
  const { deps, plan, remediator, params } = run;
  const { timeoutSeconds, intervalSeconds } = deps.config.defaults.verify;
  const appliedAt = Date.parse(run.outcome.timings.appliedAt ?? deps.clock().toISOString());
  const deadline = appliedAt + timeoutSeconds * 1000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    let health: Health;
    try {
      health = await remediator.check!(plan, params, kube, applied, new Date(appliedAt));
    } catch (error) {
      if (error instanceof ClusterUnreachableError) throw error;
      // RBAC's no may pass (an API server that has just restarted denies until its authorizer's
      // caches fill): asked again within the window. Anything else ends it.
      const state = error instanceof ForbiddenError ? 'progressing' : 'failed';
      health = { state, detail: `cannot check: ${describeError(error).message}` };
    }
    if (health.state !== 'progressing' || deps.clock().getTime() >= deadline) return health;
    await sleep(Math.min(intervalSeconds * 1000, Math.max(0, deadline - deps.clock().getTime())));
  }
}
