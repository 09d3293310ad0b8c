import { ALLOWED, describeTarget, refused, type Guard } from './guard.ts';

/** A target annotated `<optOutAnnotation>: "true"` is never changed. */
export const optOut: Guard = {
  name: 'opt-out',
  what: 'opt-out annotation on the target (`optOutAnnotation`)',
  fallback: (defaults) => `\`${defaults.optOutAnnotation}: "true"\``,
  recordedAs: '`refused`: opts out',
  phase: 'plan',
  check: ({ plan, config, target }) => {
    const key = config.optOutAnnotation;
    const value = Object.hasOwn(target.annotations, key) ? target.annotations[key] : undefined;
    if (value?.toLowerCase() !== 'true') return ALLOWED;
    return refused(`${describeTarget(plan.target)} opts out with annotation ${key}=true`);
  },
};
