import { CONTROL_PLANE_NAMESPACES, type NamespaceFilter } from '../config/agent-config.ts';
import { ALLOWED, refused, type Guard } from './guard.ts';
import { matchesPattern } from './patterns.ts';

/**
 * A refusal reason when the namespace is outside the filter, otherwise undefined. Deny wins over
 * allow, and the control plane's own namespaces are refused whatever the lists say (`'*'`, a
 * pattern, a rule's own deny list without them): the admission policy refuses them too.
 */
export function checkNamespace(namespace: string | undefined, filter: NamespaceFilter): string | undefined {
  if (namespace === undefined) return undefined;
  if (CONTROL_PLANE_NAMESPACES.includes(namespace)) {
    return `namespace ${namespace} is the control plane's: kubemend never changes it`;
  }
  if (filter.deny?.some((pattern) => matchesPattern(pattern, namespace))) {
    return `namespace ${namespace} is on the deny list`;
  }
  if (filter.allow !== undefined && !filter.allow.some((pattern) => matchesPattern(pattern, namespace))) {
    return `namespace ${namespace} is not on the allow list`;
  }
  return undefined;
}

export const namespaces: Guard = {
  name: 'namespaces',
  what: 'namespace allow/deny lists (`defaults.namespaces`, `rules[].namespaces`)',
  fallback: (defaults) =>
    `deny ${(defaults.defaults.namespaces.deny ?? []).map((ns) => `\`${ns}\``).join(', ') || 'none'}`,
  recordedAs: '`refused`: namespace …',
  phase: 'plan',
  check: ({ plan, rule, config }) => {
    // Field by field: a rule that sets only `allow` keeps the default deny list.
    const filter: NamespaceFilter = {
      allow: rule.namespaces?.allow ?? config.defaults.namespaces.allow,
      deny: rule.namespaces?.deny ?? config.defaults.namespaces.deny,
    };
    const why = checkNamespace(plan.target.namespace, filter);
    return why === undefined ? ALLOWED : refused(why);
  },
};
