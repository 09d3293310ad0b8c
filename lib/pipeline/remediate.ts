import type { Outcome } from '../domain/types.ts';
import {
  AlreadyClaimedError,
  ClusterUnreachableError,
  describeError,
  isTransient,
  NotFoundError,
  UnfinishedError,
} from '../errors.ts';
import { describeTarget } from '../guardrails/guard.ts';
import { isExpectedFailure, resultOfError } from './error-results.ts';
import { finish } from './finish.ts';
import type { PlanMessage } from './messages.ts';
import { stillWaiting } from './remediation/approval-wait.ts';
import { decideAndRun } from './remediation/decide.ts';
import { earlierWriteMayStand, resumeVerification, resumeWrite } from './remediation/resume.ts';
import { openRun, type RemediateDeps, type Run } from './remediation/run.ts';
import { isUnfinished, leaveForFollowUp } from './remediation/write.ts';

export type { RemediateDeps } from './remediation/run.ts';

/**
 * The remediator stage for one record: claim it, then go on from where it stands — a planned
 * record is decided and run (observe, dry-run or enforce; lib/pipeline/remediation/decide.ts), one
 * waiting for approval waits (or runs once approved), an interrupted write is written again and
 * verified, an interrupted verification is verified and undone. Safe to run twice for the same
 * record: a finished record is skipped.
 *
 * When the cluster or the store fails once the write is under way (its answer lost, the API server
 * or etcd restarting, the store throttled), the record is left at `applying` or `verifying` with
 * the target still held, and `UnfinishedError` is thrown so that the queue retries.
 */
export async function handlePlan(message: PlanMessage, deps: RemediateDeps): Promise<Outcome> {
  const record = await deps.store.get(message.id);
  if (record === undefined) throw new NotFoundError(`no record for alert instance ${message.id}`);
  const claim = await deps.store.claim({
    id: record.id,
    alert: record.alert,
    cluster: record.cluster,
    now: deps.clock(),
    leaseMs: deps.leaseMs,
  });
  if (!claim.claimed) {
    if (claim.why === 'leased')
      throw new AlreadyClaimedError(`alert instance ${message.id} is being processed by another worker`);
    return claim.outcome;
  }
  const log = deps.logger.child({ alertId: claim.outcome.id, alertname: claim.outcome.alert.labels.alertname });
  const run = openRun(claim.outcome, deps, log);
  if (!('plan' in run)) return finish(deps, claim.outcome, run.result, run.reason);
  try {
    return await dispatch(run);
  } catch (error) {
    return settle(run, error);
  }
}

/** Goes on from the record's stage. */
async function dispatch(run: Run): Promise<Outcome> {
  const stage = run.outcome.stage;
  if (stage === 'awaiting-approval' && run.outcome.approval?.by === undefined) return stillWaiting(run);
  const kube = await run.deps.kube(run.outcome.cluster);
  if (stage === 'verifying') return resumeVerification(run, kube);
  if (stage === 'applying') return resumeWrite(run, kube);
  return decideAndRun(run, kube);
}

/**
 * A failure of the run: left for the next run once the write is under way (or resumed: an earlier
 * attempt's may have landed) and the failure may pass, back to the queue on a passing store failure
 * before any write, and otherwise recorded as the error table says.
 */
async function settle(run: Run, error: unknown): Promise<Outcome> {
  const { deps, log } = run;
  if (isUnfinished(run, error)) throw await leaveForFollowUp(run, error);
  if (isTransient(error) && !(error instanceof ClusterUnreachableError)) {
    // The store failed before any write: nothing happened yet, so let the queue try again
    // rather than end the record on a passing blip (free the claim now if the store allows).
    log.warn({ error: describeError(error) }, 'store unavailable before the fix; the queue retries it');
    await deps.store.save(run.outcome, deps.clock()).catch(() => undefined);
    throw error;
  }
  if (!isExpectedFailure(error, 'remediation')) log.error({ err: error }, 'remediation failed');
  const target = describeTarget(run.plan.target);
  const { result, reason } = resultOfError(error, { stage: 'remediation', action: run.plan.action, target });
  const mayStand = run.resumed ? `; ${earlierWriteMayStand(run)}` : '';
  return finish(deps, run.outcome, result, `${reason}${mayStand}`, error);
}

/**
 * Runs record `id` now, outside the plan queue (an approval, a manual fix). A fix left unfinished,
 * or not started because the store failed, is handed to `followUps` to be finished there, and the
 * record is returned as it stands; without a queue the error stands.
 */
export async function remediateNow(id: string, deps: RemediateDeps): Promise<Outcome> {
  try {
    return await handlePlan({ kind: 'plan', id }, deps);
  } catch (error) {
    const retryable = error instanceof UnfinishedError || isTransient(error);
    if (!retryable || deps.followUps === undefined) throw error;
    await deps.followUps.send([{ kind: 'plan', id }]);
    deps.logger.warn({ alertId: id }, 'unfinished fix handed to the plan queue');
    const record = await deps.store.get(id);
    if (record === undefined) throw error;
    return record;
  }
}
