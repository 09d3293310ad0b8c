import { ALLOWED, refused, type Guard } from './guard.ts';

/** The plan's numbers stay within the fix's limits (`defaults.limits`, `rules[].limits`). */
export const limits: Guard = {
  name: 'limits',
  what: 'limits on every numeric change (`defaults.limits`, `rules[].limits`)',
  fallback: (defaults) => {
    const l = defaults.defaults.limits;
    return `${String(l.maxReplicas)} replicas, HPA ceiling ${String(l.maxHpaReplicas)}, memory ×${String(l.memoryFactor)} to ${String(l.maxMemory)}, volume ×${String(l.storageFactor)} to ${String(l.maxStorage)}`;
  },
  recordedAs: '`refused`: … (limits)',
  phase: 'plan',
  check: ({ remediator, params, limits: bounds }) => {
    const beyond = remediator.exceeds?.(params, bounds);
    return beyond === undefined ? ALLOWED : refused(`${beyond} (limits)`);
  },
};
