import type { Logger } from 'pino';

import { effectiveLimits, findRule, needsApproval, type AgentConfig, type Rule } from '../config/agent-config.ts';
import type { KillSwitch } from '../guardrails/kill-switch.ts';
import type { TargetGuard } from '../guardrails/target-guard.ts';
import type { Outcome } from '../domain/types.ts';
import {
  AlreadyClaimedError,
  ClusterUnknownError,
  ClusterUnreachableError,
  describeError,
  DisruptionBudgetError,
  ForbiddenError,
  isTransient,
  NotFoundError,
  UnfinishedError,
} from '../errors.ts';
import type { KubeApi, KubeProvider } from '../kube/kube-api.ts';
import { decide } from '../policy/policy.ts';
import { findRemediator } from '../remediate/registry.ts';
import type { AnyRemediator, AppliedChange, Health } from '../remediate/remediator.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';
import { finish, notify, type FinishDeps } from './finish.ts';
import type { PlanMessage } from './messages.ts';
import type { Queue } from '../queue/queue.ts';

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
  /** Waits between verification checks (tests pass one that moves a manual clock). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Where a run started directly (an approval, a manual fix) hands a fix it left unfinished, for
   * the queue to finish; runs taken from the plan queue are retried by that queue itself.
   */
  followUps?: Queue<PlanMessage>;
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

/**
 * The remediator stage: claim the planned record, re-read the target, run policy, then observe,
 * dry-run or apply as the rule's mode says, verify the write and undo it if the target did not
 * recover, and record the result. Safe to run twice for the same record: a finished record is
 * skipped, an interrupted `applying` one is applied again with the same (idempotent) plan, and an
 * interrupted `verifying` one is verified (and undone) without writing again. Fixes that need a
 * person's approval stop at `awaiting-approval` until `kubemend approve` runs them.
 *
 * When the cluster or the store fails once the write is under way (its answer lost, the API server
 * or etcd restarting, the store throttled), the record is left at `applying` or `verifying` with
 * the target still held, and `UnfinishedError` is thrown so that the queue retries: the next run
 * re-applies the same idempotent plan or verifies, and records the one outcome.
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
  let outcome = claim.outcome;
  const log = deps.logger.child({ alertId: outcome.id, alertname: outcome.alert.labels.alertname });
  const plan = outcome.plan;
  const stage = outcome.stage;
  if (
    plan === undefined ||
    (stage !== 'planned' && stage !== 'applying' && stage !== 'verifying' && stage !== 'awaiting-approval')
  ) {
    return finish(deps, outcome, 'failed', `record is at stage ${outcome.stage} with no plan to apply`);
  }
  if (stage === 'awaiting-approval' && outcome.approval?.by === undefined) {
    if (deps.clock().getTime() > Date.parse(outcome.approval?.expiresAt ?? '')) {
      return finish(deps, outcome, 'refused', `nobody approved ${plan.action} before ${outcome.approval?.expiresAt}`);
    }
    await deps.store.save(outcome, null);
    return outcome;
  }
  if (outcome.resolvedAt !== undefined && stage !== 'verifying') {
    return finish(
      deps,
      outcome,
      'resolved',
      `the alert resolved at ${outcome.resolvedAt}, before the fix; nothing changed`,
    );
  }
  const rule = findRule(deps.config, outcome.alert.labels.alertname) ?? manualRule(outcome);
  if (rule === undefined) return finish(deps, outcome, 'refused', 'no rule covers this alert any more');
  const remediator = findRemediator(plan.action, deps.remediators);
  if (remediator === undefined) return finish(deps, outcome, 'failed', `action ${plan.action} is not in this build`);
  const params = remediator.paramsSchema.safeParse(plan.params);
  if (!params.success) {
    return finish(deps, outcome, 'failed', `plan params are invalid for ${plan.action}: ${params.error.message}`);
  }
  const limits = effectiveLimits(deps.config, rule);
  const verifyMs = deps.config.defaults.verify.timeoutSeconds * 1000;
  const guarded = targetKey(outcome.cluster, plan.target);
  /** How far the write got: a failure after `deciding` leaves the record for a follow-up. */
  let phase: Phase = stage === 'verifying' ? 'written' : stage === 'applying' ? 'writing' : 'deciding';
  const inFlight = () => ({ outcome, phase });

  try {
    const kube = await deps.kube(outcome.cluster);
    if (stage === 'verifying') {
      // A worker died after the write: verify it (and undo it) instead of writing again.
      const applied = { change: outcome.change ?? '', diff: outcome.diff, undo: outcome.undo };
      return await releasing(deps, guarded, log, inFlight, () =>
        verifyFix(deps, outcome, remediator, params.data, kube, applied),
      );
    }
    const target = await remediator.inspect(plan, kube);
    const acquireTarget = () =>
      // One fix in flight per target (held through verification), and none again within the cooldown.
      deps.targetGuard.acquire({
        target: guarded,
        holder: outcome.id,
        now: deps.clock(),
        leaseMs: deps.leaseMs + verifyMs,
        cooldownMs: (rule.cooldownMinutes ?? deps.config.defaults.cooldownMinutes) * 60_000,
      });
    const writeAndVerify = async (why: string) => {
      // Mark the write as under way first: if this worker dies mid-write, the next claim sees
      // `applying` and re-applies the same idempotent plan instead of planning a second change.
      outcome = { ...outcome, stage: 'applying' };
      await deps.store.save(outcome, new Date(deps.clock().getTime() + deps.leaseMs));
      phase = 'writing';
      const applied = await remediator.apply(plan, params.data, kube, { dryRun: false, limits, inspected: target });
      phase = 'written';
      log.info({ action: plan.action, target: plan.target, change: applied.change }, 'remediation applied');
      outcome = {
        ...outcome,
        change: applied.change,
        ...(applied.diff === undefined ? {} : { diff: applied.diff }),
        ...(applied.undo === undefined ? {} : { undo: applied.undo }),
        timings: { ...outcome.timings, appliedAt: deps.clock().toISOString() },
      };
      if (remediator.check === undefined) return finish(deps, outcome, 'applied', why);
      outcome = { ...outcome, stage: 'verifying' };
      await deps.store.save(outcome, new Date(deps.clock().getTime() + deps.leaseMs + verifyMs));
      return verifyFix(deps, outcome, remediator, params.data, kube, applied);
    };

    if (stage === 'applying') {
      // An earlier run decided and began the write, which may have landed: policy, limits and
      // approval were settled then, so write the same idempotent change again and verify it. Only
      // the kill switch and another fix holding the target stop it now, and the record says the
      // earlier write may stand.
      const mayStand = `an earlier attempt's write may have landed (${plan.action} ${describeTarget(plan.target)}): check the target`;
      const stop = await deps.killSwitch();
      if (stop.on) return finish(deps, outcome, 'failed', `${stop.reason}: not written again; ${mayStand}`);
      const guard = await acquireTarget();
      if (!guard.acquired) return finish(deps, outcome, 'failed', `${guard.reason}; ${mayStand}`);
      return await releasing(deps, guarded, log, inFlight, () =>
        writeAndVerify(outcome.policy?.reason ?? 'resumed an interrupted write'),
      );
    }

    const policy = decide(plan, rule, deps.config, target);
    outcome = { ...outcome, policy, timings: { ...outcome.timings, decidedAt: deps.clock().toISOString() } };
    if (!policy.allowed) return finish(deps, outcome, 'refused', policy.reason);
    if (target.blocker !== undefined) return finish(deps, outcome, 'refused', target.blocker);
    const beyond = remediator.exceeds?.(params.data, limits);
    if (beyond !== undefined) return finish(deps, outcome, 'refused', `${beyond} (limits)`);

    if (policy.mode === 'observe') {
      return finish(deps, outcome, 'observed', `${policy.reason}: would ${plan.action} ${describeTarget(plan.target)}`);
    }
    if (policy.mode === 'dry-run') {
      if (!remediator.supportsDryRun) {
        return finish(deps, outcome, 'observed', `${plan.action} has no server-side dry-run; recorded only`);
      }
      const { change, diff } = await remediator.apply(plan, params.data, kube, {
        dryRun: true,
        limits,
        inspected: target,
      });
      return finish(deps, { ...outcome, change, ...(diff === undefined ? {} : { diff }) }, 'dry-run', policy.reason);
    }
    const stop = await deps.killSwitch();
    if (stop.on) return finish(deps, outcome, 'refused', `${stop.reason}: no change made`);
    if (needsApproval(deps.config, rule, plan.action) && outcome.approval?.by === undefined) {
      return await awaitApproval(deps, outcome);
    }
    const tripped = await circuitOpen(deps, outcome.cluster, plan.target.namespace);
    if (tripped !== undefined) return finish(deps, outcome, 'refused', tripped);
    const guard = await acquireTarget();
    if (!guard.acquired) return finish(deps, outcome, 'refused', guard.reason);
    return await releasing(deps, guarded, log, inFlight, () => writeAndVerify(policy.reason));
  } catch (error) {
    // Once a write is under way (or resumed: an earlier attempt's may have landed), a passing
    // failure of the cluster or the store never ends the record.
    if (phase !== 'deciding' && isTransient(error)) throw await leaveForFollowUp(deps, outcome, phase, error, log);
    if (isTransient(error) && !(error instanceof ClusterUnreachableError)) {
      // The store failed before any write: nothing happened yet, so let the queue try again
      // rather than end the record on a passing blip (free the claim now if the store allows).
      log.warn({ error: describeError(error) }, 'store unavailable before the fix; the queue retries it');
      await deps.store.save(outcome, deps.clock()).catch(() => undefined);
      throw error;
    }
    if (error instanceof ClusterUnreachableError) {
      return finish(deps, outcome, 'cluster-unreachable', error.message, error);
    }
    if (error instanceof ClusterUnknownError) return finish(deps, outcome, 'unknown-cluster', error.message, error);
    if (error instanceof DisruptionBudgetError) {
      return finish(deps, outcome, 'refused', `the PodDisruptionBudget refuses it now: ${error.message}`, error);
    }
    if (error instanceof ForbiddenError) {
      return finish(deps, outcome, 'refused', `RBAC denied the ${plan.action}: ${error.message}`, error);
    }
    if (error instanceof NotFoundError) {
      return finish(
        deps,
        outcome,
        'no-action',
        `${describeTarget(plan.target)} no longer exists: ${error.message}`,
        error,
      );
    }
    log.error({ err: error }, 'remediation failed');
    return finish(deps, outcome, 'failed', `${plan.action} failed: ${describeError(error).message}`, error);
  }
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

/** Parks the record until a person approves it or the approval window ends, and says so. */
async function awaitApproval(deps: RemediateDeps, outcome: Outcome): Promise<Outcome> {
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.config.approval.expiresMinutes * 60_000).toISOString();
  const waiting: Outcome = {
    ...outcome,
    stage: 'awaiting-approval',
    reason: `${outcome.plan?.action ?? 'the fix'} needs approval: run \`kubemend approve ${outcome.id}\` before ${expiresAt}`,
    approval: { requestedAt: now.toISOString(), expiresAt },
  };
  await deps.store.save(waiting, null);
  deps.metrics?.outcome(waiting);
  await notify(deps, waiting);
  return waiting;
}

type Phase = 'deciding' | 'writing' | 'written';

/**
 * Runs `work` holding the target's lease, and releases it (starting the cooldown if applied).
 * A transient failure once the write is under way keeps the lease, so that no other fix starts on
 * the target before the next run (the same holder) finishes this one.
 */
async function releasing(
  deps: RemediateDeps,
  target: string,
  log: Logger,
  inFlight: () => { outcome: Outcome; phase: Phase },
  work: () => Promise<Outcome>,
): Promise<Outcome> {
  const holder = inFlight().outcome.id;
  let applied = false;
  let unfinished = false;
  try {
    const outcome = await work();
    applied = outcome.change !== undefined && outcome.result !== 'dry-run';
    return outcome;
  } catch (error) {
    // handlePlan leaves it for the next run (leaveForFollowUp).
    unfinished = inFlight().phase !== 'deciding' && isTransient(error);
    throw error;
  } finally {
    // A release that fails must not turn a recorded result into a failure: the lease expires
    // by itself, and the cooldown is then simply not started.
    if (!unfinished) {
      await deps.targetGuard
        .release({ target, holder, now: deps.clock(), applied })
        .catch((error: unknown) => log.warn({ error: describeError(error), target }, 'target lease not released'));
    }
  }
}

/**
 * Saves the record at `applying` (the write's answer was lost: it may or may not have landed) or
 * `verifying` (it landed), free for the next run to claim now, and returns the error to throw.
 * If the store fails too, the record keeps its last saved stage and lease, which the next run
 * takes over once the lease ends.
 */
async function leaveForFollowUp(
  deps: RemediateDeps,
  outcome: Outcome,
  phase: Exclude<Phase, 'deciding'>,
  error: unknown,
  log: Logger,
): Promise<UnfinishedError> {
  const stage = phase === 'writing' ? 'applying' : 'verifying';
  const what = phase === 'writing' ? 'the write may or may not have landed' : 'the write landed, not yet verified';
  const message = `${outcome.plan?.action ?? 'fix'} unfinished (${what}): ${describeError(error).message}; left at ${stage} for the next run`;
  log.warn({ stage, error: describeError(error) }, 'remediation unfinished; the queue retries it');
  try {
    await deps.store.save({ ...outcome, stage, reason: message, error: describeError(error) }, deps.clock());
  } catch (saveError) {
    log.warn({ error: describeError(saveError) }, 'could not save the unfinished record; its lease will end');
  }
  return new UnfinishedError(message, { cause: error });
}

/**
 * Polls the fix's health until it is healthy, failed, or the verification window (from the
 * write) ends; then records `applied` (verified), or undoes the fix where it can and records
 * `failed` with what was seen. Never throws for a failed check: that is a verification result.
 */
async function verifyFix(
  deps: RemediateDeps,
  outcome: Outcome,
  remediator: AnyRemediator,
  params: unknown,
  kube: KubeApi,
  applied: AppliedChange,
): Promise<Outcome> {
  const plan = outcome.plan!;
  const { timeoutSeconds, intervalSeconds } = deps.config.defaults.verify;
  const deadline = Date.parse(outcome.timings.appliedAt ?? deps.clock().toISOString()) + timeoutSeconds * 1000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let health: Health;
  for (;;) {
    try {
      health = await remediator.check!(plan, params, kube, applied, new Date(deadline - timeoutSeconds * 1000));
    } catch (error) {
      if (error instanceof ClusterUnreachableError) throw error;
      health = { state: 'failed', detail: `cannot check: ${describeError(error).message}` };
    }
    if (health.state !== 'progressing' || deps.clock().getTime() >= deadline) break;
    await sleep(Math.min(intervalSeconds * 1000, Math.max(0, deadline - deps.clock().getTime())));
  }
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

function describeTarget(target: { kind: string; namespace?: string; name: string }): string {
  return `${target.kind.toLowerCase()} ${target.namespace === undefined ? '' : `${target.namespace}/`}${target.name}`;
}

/** The object a fix changes, across clusters: `<cluster>/<Kind>/<namespace>/<name>`. */
export function targetKey(
  cluster: string | undefined,
  target: { kind: string; namespace?: string; name: string },
): string {
  return `${cluster ?? ''}/${target.kind}/${target.namespace ?? ''}/${target.name}`;
}

/**
 * The circuit breaker: refuses once the namespace or the cluster has had its cap of applied fixes
 * in the window (a burst of fixes is a sign something larger is wrong, for a human to look at).
 * Counted from the outcome records; concurrent remediations can pass the cap by at most the
 * remediator's concurrency.
 */
async function circuitOpen(
  deps: Pick<RemediateDeps, 'store' | 'config' | 'clock'>,
  cluster: string | undefined,
  namespace: string | undefined,
): Promise<string | undefined> {
  const { perNamespace, perCluster, windowMinutes } = deps.config.defaults.caps;
  const since = new Date(deps.clock().getTime() - windowMinutes * 60_000);
  const checks = [
    ...(namespace === undefined
      ? []
      : [{ scope: `namespace ${namespace}`, cap: perNamespace, filter: { cluster, namespace } }]),
    { scope: `cluster ${cluster ?? '(default)'}`, cap: perCluster, filter: { cluster } },
  ];
  for (const check of checks) {
    const applied = await deps.store.recent({
      limit: check.cap,
      filter: { ...check.filter, result: 'applied', since },
    });
    if (applied.length >= check.cap) {
      return `circuit open: ${applied.length} fixes applied in ${check.scope} in the last ${windowMinutes} min (cap ${check.cap}); no more until the window passes`;
    }
  }
  return undefined;
}
