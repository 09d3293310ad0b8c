import { ALLOWED, refused, type Guard } from './guard.ts';

/** What the fix's own `inspect` found that forbids it now (paused, OnDelete, replaced pod, bare pod, moved revision). */
export const preconditions: Guard = {
  name: 'preconditions',
  what: 'preconditions of the fix (paused, OnDelete, replaced pod, bare pod, moved revision)',
  fallback: () => 'always',
  recordedAs: '`refused` with the precondition',
  phase: 'plan',
  check: ({ target }) => (target.blocker === undefined ? ALLOWED : refused(target.blocker)),
};
