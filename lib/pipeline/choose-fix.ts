import { effectiveLimits, fixesFor, type AgentConfig, type Rule } from '../config/agent-config.ts';
import type { Diagnosis, Plan } from '../domain/types.ts';
import { describeError } from '../errors.ts';
import { findRemediator } from '../remediate/registry.ts';
import { isRefusal, type AnyRemediator } from '../remediate/remediator.ts';

/** Which fix answers a diagnosis under its rule: the plan, or why there is none. */
export type FixChoice = { plan: Plan } | { plan: undefined; why: string | undefined };

/**
 * The plan for a diagnosis: the fixes the rule maps to its anomaly, tried in order, and the first
 * that plans. A fix that does not answer this diagnosis lets the next one try; one that answers
 * it but cannot be applied to the target as it is, or that throws, stops the list. Pure.
 */
export function chooseFix(
  diagnosis: Diagnosis,
  rule: Rule,
  config: AgentConfig,
  registry: readonly AnyRemediator[],
  now: Date,
): FixChoice {
  const fixes = fixesFor(rule, diagnosis.anomaly);
  if (fixes.length === 0) return { plan: undefined, why: undefined };
  const limits = effectiveLimits(config, rule);
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
