import type { Outcome } from '../domain/types.ts';

/**
 * Tells people about an outcome worth their attention (applied, refused, failed, waiting for
 * approval, or diagnosed with a fix suggested that the rule does not enable). A notifier that fails must never change the outcome: callers log and go on.
 */
export interface Notifier {
  notify(outcome: Outcome): Promise<void>;
}

/**
 * The outcomes people are told about: results, fixes waiting for approval, and diagnoses that
 * come with a suggested fix (advice, never a refusal).
 */
export const NOTIFIED = ['applied', 'refused', 'failed', 'pending-approval', 'suggested'] as const;
export type Notified = (typeof NOTIFIED)[number];

/** Which notification an outcome gets, if any. */
export function notificationKind(outcome: Outcome): Notified | undefined {
  if (outcome.stage === 'awaiting-approval') return 'pending-approval';
  if (outcome.result === 'no-action' && outcome.suggestion !== undefined) return 'suggested';
  const result = outcome.result;
  return NOTIFIED.find((kind) => kind === result);
}

/** Sends to every notifier; a failure of one is reported to `onError` and does not stop the others. */
export function fanOut(notifiers: readonly Notifier[], onError: (error: unknown) => void): Notifier {
  return {
    notify: async (outcome) => {
      await Promise.all(notifiers.map((n) => n.notify(outcome).catch(onError)));
    },
  };
}
