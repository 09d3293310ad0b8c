import { effectiveLimits, enableHint, fixesFor, type AgentConfig, type Rule } from '../config/agent-config.ts';
import type { Diagnosis, Plan, Suggestion } from '../domain/types.ts';
import { describeError } from '../errors.ts';
import { findRemediator, type Limits } from '../remediate/registry.ts';
import { isRefusal, type AnyRemediator } from '../remediate/remediator.ts';

/**
 * Which fix answers a diagnosis under its rule: the plan, or why there is none. When the rule
 * maps no fix to the anomaly, the fix that would answer it (if one would) as a suggestion.
 */
export type FixChoice = { plan: Plan } | { plan: undefined; why: string | undefined; suggestion?: Suggestion };

/**
 * The plan for a diagnosis: the fixes the rule maps to its anomaly, tried in order, and the first
 * that plans. A fix that does not answer this diagnosis lets the next one try; one that answers
 * it but cannot be applied to the target as it is, or that throws, stops the list. When the rule
 * maps none, nothing is planned, and the first fix of the registry that would plan is suggested.
 * Pure.
 */
export function chooseFix(
  diagnosis: Diagnosis,
  rule: Rule,
  config: AgentConfig,
  registry: readonly AnyRemediator[],
  now: Date,
): FixChoice {
  const fixes = fixesFor(rule, diagnosis.anomaly);
  const limits = effectiveLimits(config, rule);
  if (fixes.length === 0) {
    const suggestion = suggestFix(diagnosis, rule, limits, registry, now);
    return { plan: undefined, why: undefined, ...(suggestion === undefined ? {} : { suggestion }) };
  }
  const refusals: string[] = [];
  for (const action of fixes) {
    const fix = findRemediator(action, registry);
    if (fix === undefined) {
      refusals.push(`${action} is not in this build`);
      continue;
    }
    let planned: ReturnType<AnyRemediator['plan']>;
    try {
      planned = fix.plan(diagnosis, limits, now);
    } catch (error) {
      // A fix that cannot judge the facts (a quantity it cannot read, say) does not plan, and no
      // other fix stands in for it: the record says why, rather than the alert failing unrecorded.
      refusals.push(`${action} could not plan: ${describeError(error).message}`);
      break;
    }
    if (!isRefusal(planned)) return { plan: planned };
    refusals.push(`${action}: ${planned.refused}`);
    if (planned.fits) break;
  }
  return { plan: undefined, why: refusals.join('; ') };
}

/**
 * The fix a rule does not map that would answer the diagnosis: among the fixes that name its
 * anomaly in `answers` and whose `needs` its facts meet, in registry order, the first whose plan
 * plans. Fixes that answer whatever they are mapped to (no `answers`) are never suggested: only
 * the person mapping them knows which anomalies they fit (a restart does not answer a bad
 * rollout). Pure.
 */
export function suggestFix(
  diagnosis: Diagnosis,
  rule: Pick<Rule, 'alertname'>,
  limits: Limits,
  registry: readonly AnyRemediator[],
  now: Date,
): Suggestion | undefined {
  const { anomaly, facts } = diagnosis;
  for (const fix of registry) {
    if (fix.answers?.includes(anomaly) !== true) continue;
    if (!fix.needs.every((fact) => facts[fact] !== undefined)) continue;
    let planned: ReturnType<AnyRemediator['plan']>;
    try {
      planned = fix.plan(diagnosis, limits, now);
    } catch {
      // Advice only: a fix that cannot judge these facts is not suggested, and the next may be.
      continue;
    }
    if (isRefusal(planned)) continue;
    return {
      action: planned.action,
      target: planned.target,
      params: paramsInWords(planned.params),
      reason: planned.reason,
      rule: rule.alertname,
      anomaly,
      enable: enableHint(rule.alertname, anomaly, fix.action),
    };
  }
  return undefined;
}

/** `key=value, …` for a plan's params (values that are not strings as JSON). */
function paramsInWords(params: Plan['params']): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}
