import { enabledFixes, type AgentConfig, type NamespaceFilter, type Rule } from '../config/agent-config.ts';
import type { Mode, Plan, PolicyDecision } from '../domain/types.ts';

/** What policy needs to know about the target object as it is now. */
export interface TargetFacts {
  annotations: Readonly<Record<string, string>>;
  labels?: Readonly<Record<string, string>>;
  disruption?: { replicas: number; unavailable: number; adds: number };
}

/**
 * The guardrail run before every write. Pure: the same inputs always give the same decision,
 * and every refusal says why.
 */
export function decide(plan: Plan, rule: Rule, config: AgentConfig, target: TargetFacts): PolicyDecision {
  const mode: Mode = effectiveMode(rule.mode ?? config.defaults.mode, plan.target.namespace, config);
  const refuse = (reason: string): PolicyDecision => ({ allowed: false, mode, reason });

  const enabled = enabledFixes(rule);
  if (!enabled.includes(plan.action)) {
    return refuse(`action "${plan.action}" is not enabled for ${rule.alertname} (enabled: ${enabled.join(', ') || 'none'})`);
  }
  const namespace = plan.target.namespace;
  // Field by field: a rule that sets only `allow` keeps the default deny list.
  const filter: NamespaceFilter = {
    allow: rule.namespaces?.allow ?? config.defaults.namespaces.allow,
    deny: rule.namespaces?.deny ?? config.defaults.namespaces.deny,
  };
  const namespaceVerdict = checkNamespace(namespace, filter);
  if (namespaceVerdict !== undefined) return refuse(namespaceVerdict);

  const unmatched = Object.entries(rule.selector ?? {}).filter(([key, value]) => target.labels?.[key] !== value);
  if (unmatched.length > 0) {
    return refuse(
      `${plan.target.kind} ${namespace ?? ''}/${plan.target.name} is outside the rule's selector (${unmatched.map(([k, v]) => `${k}=${v}`).join(', ')})`,
    );
  }
  if (
    Object.hasOwn(target.annotations, config.optOutAnnotation) &&
    target.annotations[config.optOutAnnotation]?.toLowerCase() === 'true'
  ) {
    return refuse(
      `${plan.target.kind} ${namespace ?? ''}/${plan.target.name} opts out with annotation ${config.optOutAnnotation}=true`,
    );
  }
  const disruption = target.disruption;
  if (disruption !== undefined && disruption.adds > 0) {
    const share = config.defaults.maxUnavailableShare;
    const cap = Math.max(1, Math.floor(share * disruption.replicas));
    const after = disruption.unavailable + disruption.adds;
    if (after > cap) {
      return refuse(
        `${plan.action} would leave ${after} of ${disruption.replicas} replicas unavailable at once; at most ${cap} may be (maxUnavailableShare ${share})`,
      );
    }
  }
  const verbs: Record<Mode, string> = {
    observe: 'observe mode: the plan is recorded, nothing is sent to the cluster',
    'dry-run': 'dry-run mode: the API server validates the change and persists nothing',
    enforce: 'enforce mode: the change is applied',
  };
  return { allowed: true, mode, reason: verbs[mode] };
}

const CAUTION: Record<Mode, number> = { observe: 0, 'dry-run': 1, enforce: 2 };

/** The rule's mode, lowered to the most cautious mode any namespace pattern sets for the namespace. */
export function effectiveMode(ruleMode: Mode, namespace: string | undefined, config: AgentConfig): Mode {
  if (namespace === undefined) return ruleMode;
  return Object.entries(config.defaults.namespaceModes)
    .filter(([pattern]) => matches(pattern, namespace))
    .map(([, mode]) => mode)
    .reduce((least, mode) => (CAUTION[mode] < CAUTION[least] ? mode : least), ruleMode);
}

/** A refusal reason when the namespace is outside the filter, otherwise undefined. Deny wins over allow. */
export function checkNamespace(namespace: string | undefined, filter: NamespaceFilter): string | undefined {
  if (namespace === undefined) return undefined;
  if (filter.deny?.some((pattern) => matches(pattern, namespace))) {
    return `namespace ${namespace} is on the deny list`;
  }
  if (filter.allow !== undefined && !filter.allow.some((pattern) => matches(pattern, namespace))) {
    return `namespace ${namespace} is not on the allow list`;
  }
  return undefined;
}

/** `*` matches anything; `team-*` matches a prefix; anything else matches exactly. */
function matches(pattern: string, namespace: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return namespace.startsWith(pattern.slice(0, -1));
  return pattern === namespace;
}
