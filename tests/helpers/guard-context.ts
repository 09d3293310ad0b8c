import { DatabaseSync } from 'node:sqlite';

import { alertId } from '../../lib/alert/identity.ts';
import type { Outcome, Plan } from '../../lib/domain/types.ts';
import type { GuardContext } from '../../lib/guardrails/guard.ts';
import { configKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard, targetKey } from '../../lib/guardrails/target-guard.ts';
import { LimitsSchema } from '../../lib/remediate/registry.ts';
import { rolloutRestart } from '../../lib/remediate/rollout-restart.ts';
import type { TargetState } from '../../lib/remediate/remediator.ts';
import { alertFixture } from './fixtures.ts';
import { memoryStore, testConfig } from './support.ts';

/** A rollout restart of deployment payments/checkout, planned for a crash loop. */
export function restartPlan(namespace = 'payments', action = 'rollout-restart'): Plan {
  return {
    action,
    target: { kind: 'Deployment', namespace, name: 'checkout', uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91' },
    params: { restartedAt: '2026-11-26T02:20:00.000Z', resourceVersion: '884213', revision: '3' },
    reason: 'crash loop',
  };
}

/**
 * The context a guard sees for `plan` under the crash-loop rule `rule` (over the test defaults),
 * with the target as `target` says; every port is a working local one.
 */
export function guardContext(
  options: {
    plan?: Plan;
    rule?: Record<string, unknown>;
    defaults?: Record<string, unknown>;
    target?: Partial<TargetState>;
    outcome?: Partial<Outcome>;
    raw?: Record<string, unknown>;
  } = {},
): GuardContext {
  const config = testConfig({
    ...options.raw,
    defaults: { mode: 'dry-run', namespaces: { deny: ['kube-system'] }, ...options.defaults },
    rules: [
      {
        alertname: 'KubePodCrashLooping',
        detector: 'crash-loop',
        fixes: { 'crash-loop': 'rollout-restart' },
        ...options.rule,
      },
    ],
  });
  const plan = options.plan ?? restartPlan();
  const alert = alertFixture();
  const outcome: Outcome = {
    id: alertId(alert),
    alert,
    stage: 'planned',
    plan,
    diagnosis: {
      detector: 'crash-loop',
      anomaly: 'crash-loop',
      target: plan.target,
      summary: 'crash loop',
      confidence: 0.6,
      evidence: [],
      facts: {},
    },
    timings: { receivedAt: '2026-11-26T02:20:00.000Z' },
    attempts: 1,
    ...options.outcome,
  };
  return {
    plan,
    rule: config.rules[0]!,
    config,
    outcome,
    remediator: rolloutRestart,
    params: plan.params,
    limits: LimitsSchema.parse({}),
    target: { annotations: {}, labels: {}, ...options.target },
    mode: 'dry-run',
    now: new Date('2026-11-26T02:21:00.000Z'),
    targetKey: targetKey(undefined, plan.target),
    leaseMs: 60_000,
    resuming: false,
    store: memoryStore(),
    killSwitch: configKillSwitch(false),
    targetGuard: createSqliteTargetGuard(new DatabaseSync(':memory:')),
  };
}
