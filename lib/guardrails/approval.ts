import type { AgentConfig, Rule } from '../config/agent-config.ts';
import { ALLOWED, type Guard } from './guard.ts';

/** Whether an enforced `action` under `rule` waits for a person's approval. */
export function needsApproval(config: AgentConfig, rule: Rule, action: string): boolean {
  return rule.requireApproval === true || config.approval.actions.includes(action);
}

/**
 * Risky fixes wait for a person: an enforced fix whose action is in `approval.actions` (or whose
 * rule says `requireApproval`) and that nobody approved yet stops at `awaiting-approval`, until
 * `kubemend approve` or the approval window ends.
 */
export const approval: Guard = {
  name: 'approval',
  what: 'approval for risky actions (`approval.actions`, `rules[].requireApproval`)',
  fallback: (defaults) =>
    `${defaults.approval.actions.map((a) => `\`${a}\``).join(', ')}; ${defaults.approval.expiresMinutes} min to approve`,
  recordedAs: '`awaiting-approval`, then `refused` if nobody approves',
  phase: 'write',
  check: ({ config, rule, plan, outcome }) => {
    if (!needsApproval(config, rule, plan.action) || outcome.approval?.by !== undefined) return ALLOWED;
    return { allowed: false, result: 'awaiting-approval', reason: `${plan.action} needs approval` };
  },
};
