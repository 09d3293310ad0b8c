import { approval } from './approval.ts';
import { circuitBreaker } from './circuit-breaker.ts';
import { disruption } from './disruption.ts';
import { fixEnabled } from './fix-enabled.ts';
import type { Guard } from './guard.ts';
import { killSwitchGuard } from './kill-switch.ts';
import { limits } from './limits.ts';
import { namespaces } from './namespace.ts';
import { optOut } from './opt-out.ts';
import { preconditions } from './preconditions.ts';
import { resolved } from './resolved.ts';
import { selector } from './selector.ts';
import { targetLease } from './target-guard.ts';

/**
 * Every guardrail, in the order they run: the `plan` guards before anything is sent to the
 * cluster (in every mode), then — for an enforced plan only — the `write` guards, the target's
 * lease last (it is taken when it allows, and the write releases it).
 */
export const guards: readonly Guard[] = [
  resolved,
  fixEnabled,
  namespaces,
  selector,
  optOut,
  preconditions,
  limits,
  disruption,
  killSwitchGuard,
  approval,
  circuitBreaker,
  targetLease,
];
