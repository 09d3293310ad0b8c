import type { Logger } from 'pino';

import { findRule, type AgentConfig } from '../config/agent-config.ts';
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
  NotFoundError,
} from '../errors.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import { decide } from '../policy/policy.ts';
import { findRemediator } from '../remediate/registry.ts';
import type { AnyRemediator } from '../remediate/remediator.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';
import { finish } from './finish.ts';
import type { PlanMessage } from './messages.ts';

export interface RemediateDeps {
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
}

/**
 * The remediator stage: claim the planned record, re-read the target, run policy, then observe,
 * dry-run or apply as the rule's mode says, and record the result. Safe to run twice for the
 * same record: a finished record is skipped, and an interrupted `applying` one is applied again
 * with the same (idempotent) plan.
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
  if (plan === undefined || (outcome.stage !== 'planned' && outcome.stage !== 'applying')) {
    return finish(deps, outcome, 'failed', `record is at stage ${outcome.stage} with no plan to apply`);
  }
  if (outcome.resolvedAt !== undefined) {
    return finish(
      deps,
      outcome,
      'resolved',
      `the alert resolved at ${outcome.resolvedAt}, before the fix; nothing changed`,
    );
  }
  const rule = findRule(deps.config, outcome.alert.labels.alertname);
  if (rule === undefined) return finish(deps, outcome, 'refused', 'no rule covers this alert any more');
  const remediator = findRemediator(plan.action, deps.remediators);
  if (remediator === undefined) return finish(deps, outcome, 'failed', `action ${plan.action} is not in this build`);
  const params = remediator.paramsSchema.safeParse(plan.params);
  if (!params.success) {
    return finish(deps, outcome, 'failed', `plan params are invalid for ${plan.action}: ${params.error.message}`);
  }

  try {
    const kube = await deps.kube(outcome.cluster);
    const target = await remediator.inspect(plan, kube);
    const policy = decide(plan, rule, deps.config, target);
    outcome = { ...outcome, policy, timings: { ...outcome.timings, decidedAt: deps.clock().toISOString() } };
    if (!policy.allowed) return finish(deps, outcome, 'refused', policy.reason);
    if (target.blocker !== undefined) return finish(deps, outcome, 'refused', target.blocker);

    if (policy.mode === 'observe') {
      return finish(deps, outcome, 'observed', `${policy.reason}: would ${plan.action} ${describeTarget(plan.target)}`);
    }
    if (policy.mode === 'dry-run') {
      if (!remediator.supportsDryRun) {
        return finish(deps, outcome, 'observed', `${plan.action} has no server-side dry-run; recorded only`);
      }
      const { change, diff } = await remediator.apply(plan, params.data, kube, { dryRun: true });
      return finish(deps, { ...outcome, change, ...(diff === undefined ? {} : { diff }) }, 'dry-run', policy.reason);
    }
    const stop = await deps.killSwitch();
    if (stop.on) return finish(deps, outcome, 'refused', `${stop.reason}: no change made`);
    const tripped = await circuitOpen(deps, outcome.cluster, plan.target.namespace);
    if (tripped !== undefined) return finish(deps, outcome, 'refused', tripped);
    // One fix in flight per target, and none again within the cooldown.
    const guarded = targetKey(outcome.cluster, plan.target);
    const guard = await deps.targetGuard.acquire({
      target: guarded,
      holder: outcome.id,
      now: deps.clock(),
      leaseMs: deps.leaseMs,
      cooldownMs: (rule.cooldownMinutes ?? deps.config.defaults.cooldownMinutes) * 60_000,
    });
    if (!guard.acquired) return finish(deps, outcome, 'refused', guard.reason);
    let applied = false;
    try {
      // Mark the write as under way first: if this worker dies mid-write, the next claim sees
      // `applying` and re-applies the same idempotent plan instead of planning a second change.
      outcome = { ...outcome, stage: 'applying' };
      await deps.store.save(outcome, new Date(deps.clock().getTime() + deps.leaseMs));
      const { change, diff } = await remediator.apply(plan, params.data, kube, { dryRun: false });
      applied = true;
      log.info({ action: plan.action, target: plan.target, change }, 'remediation applied');
      return await finish(
        deps,
        { ...outcome, change, ...(diff === undefined ? {} : { diff }) },
        'applied',
        policy.reason,
      );
    } finally {
      // A release that fails must not turn a recorded result into a failure: the lease expires
      // by itself (leaseMs), and the cooldown is then simply not started.
      await deps.targetGuard
        .release({ target: guarded, holder: outcome.id, now: deps.clock(), applied })
        .catch((error: unknown) =>
          log.warn({ error: describeError(error), target: guarded }, 'target lease not released'),
        );
    }
  } catch (error) {
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
    log.error({ error: describeError(error) }, 'remediation failed');
    return finish(deps, outcome, 'failed', `${plan.action} failed: ${describeError(error).message}`, error);
  }
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
