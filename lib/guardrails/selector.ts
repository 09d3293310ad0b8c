import { ALLOWED, describeTarget, refused, type Guard } from './guard.ts';

/** Only targets whose labels include every `key: value` of the rule's selector. */
export const selector: Guard = {
  name: 'selector',
  what: 'label selector per rule (`rules[].selector`)',
  fallback: () => 'none',
  recordedAs: "`refused`: outside the rule's selector",
  phase: 'plan',
  check: ({ plan, rule, target }) => {
    const unmatched = Object.entries(rule.selector ?? {}).filter(([key, value]) => target.labels?.[key] !== value);
    if (unmatched.length === 0) return ALLOWED;
    return refused(
      `${describeTarget(plan.target)} is outside the rule's selector (${unmatched.map(([k, v]) => `${k}=${v}`).join(', ')})`,
    );
  },
};
