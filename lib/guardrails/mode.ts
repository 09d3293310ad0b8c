import type { AgentConfig } from '../config/agent-config.ts';
import { mostCautious, type Mode } from '../domain/types.ts';
import { matchesPattern } from './patterns.ts';

/** The rule's mode, lowered to the most cautious mode any namespace pattern sets for the namespace. */
export function effectiveMode(ruleMode: Mode, namespace: string | undefined, config: AgentConfig): Mode {
  if (namespace === undefined) return ruleMode;
  return Object.entries(config.defaults.namespaceModes)
    .filter(([pattern]) => matchesPattern(pattern, namespace))
    .map(([, mode]) => mode)
    .reduce(mostCautious, ruleMode);
}

/** What each mode does, as the record's policy says it. */
export const MODE_WORDS: Readonly<Record<Mode, string>> = {
  observe: 'observe mode: the plan is recorded, nothing is sent to the cluster',
  'dry-run': 'dry-run mode: the API server validates the change and persists nothing',
  enforce: 'enforce mode: the change is applied',
};

/** The mode rows of the guardrail table: how far a plan goes, before any guard runs. */
export const MODE_ROWS: readonly { what: string; fallback: (defaults: AgentConfig) => string; recordedAs: string }[] = [
  {
    what: 'mode per rule (`observe`, `dry-run`, `enforce`)',
    fallback: (defaults) => `\`${defaults.defaults.mode}\``,
    recordedAs: '`observed` / `dry-run` (no write)',
  },
  {
    what: 'mode per namespace pattern (`defaults.namespaceModes`)',
    fallback: () => 'none; the more cautious of rule and namespace wins',
    recordedAs: 'as above',
  },
];
