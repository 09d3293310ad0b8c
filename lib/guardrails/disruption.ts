import { ALLOWED, refused, type Guard } from './guard.ts';

/**
 * A fix that takes pods (or nodes) away never leaves more than `maxUnavailableShare` of them
 * unavailable at once; at least one may always go.
 */
export const disruption: Guard = {
  name: 'disruption',
  what: "share of a workload's replicas (or of the nodes) unavailable at once (`defaults.maxUnavailableShare`)",
  fallback: (defaults) => `${Math.round(defaults.defaults.maxUnavailableShare * 100)}% (at least one)`,
  recordedAs: '`refused`: would leave N of M replicas unavailable',
  phase: 'plan',
  check: ({ plan, config, target }) => {
    const state = target.disruption;
    if (state === undefined || state.adds === 0) return ALLOWED;
    const share = config.defaults.maxUnavailableShare;
    const cap = Math.max(1, Math.floor(share * state.replicas));
    const after = state.unavailable + state.adds;
    if (after <= cap) return ALLOWED;
    return refused(
      `${plan.action} would leave ${after} of ${state.replicas} replicas unavailable at once; at most ${cap} may be (maxUnavailableShare ${share})`,
    );
  },
};
