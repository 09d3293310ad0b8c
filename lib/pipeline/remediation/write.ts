import type { Outcome } from '../../domain/types.ts';
import { describeError, ForbiddenError, isTransient, UnfinishedError } from '../../errors.ts';
import type { KubeApi } from '../../kube/kube-api.ts';
import type { TargetState } from '../../remediate/remediator.ts';
import { finish } from '../finish.ts';
import type { Run } from './run.ts';
import { verifyFix } from './verify.ts';

/**
 * The write, once every guard allowed it (the target's lease is held): marked `applying` first,
 * so that a worker dying mid-write leaves a record the next run re-applies with the same
 * idempotent plan instead of planning a second change; then `verifying`, and verified.
 */
export async function writeAndVerify(run: Run, kube: KubeApi, why: string, inspected?: TargetState): Promise<Outcome> {
  const { deps, plan, remediator } = run;
  run.outcome = { ...run.outcome, stage: 'applying' };
  await deps.store.save(run.outcome, new Date(deps.clock().getTime() + deps.leaseMs));
  run.phase = 'writing';
  const applied = await remediator.apply(plan, run.params, kube, { dryRun: false, limits: run.limits, inspected });
  run.phase = 'written';
  run.log.info({ action: plan.action, target: plan.target, change: applied.change }, 'remediation applied');
  run.outcome = {
    ...run.outcome,
    change: applied.change,
    ...(applied.diff === undefined ? {} : { diff: applied.diff }),
    ...(applied.undo === undefined ? {} : { undo: applied.undo }),
    timings: { ...run.outcome.timings, appliedAt: deps.clock().toISOString() },
  };
  if (remediator.check === undefined) return finish(deps, run.outcome, 'applied', why);
  run.outcome = { ...run.outcome, stage: 'verifying' };
  await deps.store.save(run.outcome, new Date(deps.clock().getTime() + run.targetLeaseMs));
  return verifyFix(run, kube, applied);
}

/**
 * Runs `work` holding the target's lease, and releases it (starting the cooldown if applied).
 * A transient failure once the write is under way keeps the lease, so that no other fix starts on
 * the target before the next run (the same holder) finishes this one.
 */
export async function releasing(run: Run, work: () => Promise<Outcome>): Promise<Outcome> {
  const holder = run.outcome.id;
  let applied = false;
  let unfinished = false;
  try {
    const outcome = await work();
    applied = outcome.change !== undefined && outcome.result !== 'dry-run';
    return outcome;
  } catch (error) {
    // The run leaves it for the next one (leaveForFollowUp).
    unfinished = isUnfinished(run, error);
    throw error;
  } finally {
    // A release that fails must not turn a recorded result into a failure: the lease expires
    // by itself, and the cooldown is then simply not started.
    if (!unfinished) {
      await run.deps.targetGuard
        .release({ target: run.targetKey, holder, now: run.deps.clock(), applied })
        .catch((error: unknown) =>
          run.log.warn({ error: describeError(error), target: run.targetKey }, 'target lease not released'),
        );
    }
  }
}

/**
 * Whether a failure leaves the fix unfinished rather than ending its record: the write is under way
 * (or resumed) and the failure may pass. RBAC's no to a resumed write is not the last word either,
 * since the earlier attempt's write may have landed and an API server that has just restarted
 * denies requests until its authorizer's caches fill.
 */
export function isUnfinished(run: Run, error: unknown): boolean {
  if (run.phase === 'deciding') return false;
  return isTransient(error) || (run.resumed && error instanceof ForbiddenError);
}

/**
 * Saves the record at `applying` (the write's answer was lost: it may or may not have landed) or
 * `verifying` (it landed), free for the next run to claim now, and returns the error to throw.
 * If the store fails too, the record keeps its last saved stage and lease, which the next run
 * takes over once the lease ends.
 */
export async function leaveForFollowUp(run: Run, error: unknown): Promise<UnfinishedError> {
  const { deps, log } = run;
  const stage = run.phase === 'writing' ? 'applying' : 'verifying';
  const what = run.phase === 'writing' ? 'the write may or may not have landed' : 'the write landed, not yet verified';
  const message = `${run.plan.action} unfinished (${what}): ${describeError(error).message}; left at ${stage} for the next run`;
  log.warn({ stage, error: describeError(error) }, 'remediation unfinished; the queue retries it');
  try {
    await deps.store.save({ ...run.outcome, stage, reason: message, error: describeError(error) }, deps.clock());
  } catch (saveError) {
    log.warn({ error: describeError(saveError) }, 'could not save the unfinished record; its lease will end');
  }
  return new UnfinishedError(message, { cause: error });
}
