import { enabledFixes, fixesFor } from '../config/agent-config.ts';
import { ALLOWED, refused, type Guard } from './guard.ts';

/**
 * The record's rule (as configured now) maps this fix: to the diagnosis's anomaly when there is
 * one, to any anomaly for a manual run. The configuration may have changed since the plan was
 * made; a fix it no longer names does not run.
 */
export const fixEnabled: Guard = {
  name: 'fix-enabled',
  what: 'fixes enabled per rule (`rules[].fixes`, anomaly → fix)',
  fallback: () => 'see `config/agent_config.yaml`',
  recordedAs: '`refused`: action not enabled',
  phase: 'plan',
  check: ({ plan, rule, outcome }) => {
    const anomaly = outcome.trigger?.kind === 'manual' ? undefined : outcome.diagnosis?.anomaly;
    const enabled = anomaly === undefined ? enabledFixes(rule) : [...fixesFor(rule, anomaly)];
    if (enabled.includes(plan.action)) return ALLOWED;
    const scope = anomaly === undefined ? '' : ` for ${anomaly}`;
    return refused(
      `action "${plan.action}" is not enabled for ${rule.alertname}${scope} (enabled: ${enabled.join(', ') || 'none'})`,
    );
  },
};
