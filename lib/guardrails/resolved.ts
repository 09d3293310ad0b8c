import { ALLOWED, type Guard } from './guard.ts';

/** An alert that resolved before the fix: nothing is changed. */
export const resolved: Guard = {
  name: 'resolved',
  what: 'alert resolved before the fix',
  fallback: () => 'always',
  recordedAs: '`resolved`',
  phase: 'plan',
  check: ({ outcome }) =>
    outcome.resolvedAt === undefined
      ? ALLOWED
      : {
          allowed: false,
          result: 'resolved',
          reason: `the alert resolved at ${outcome.resolvedAt}, before the fix; nothing changed`,
        },
};
