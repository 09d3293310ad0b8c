import type { Outcome } from '../domain/types.ts';

/**
 * Tells people about an outcome worth their attention (applied, refused, failed, waiting for
 * approval). A notifier that fails must never change the outcome: callers log and go on.
 */
export interface Notifier {
  notify(outcome: Outcome): Promise<void>;
}

/** The outcomes people are told about: results, plus fixes waiting for approval. */
export const NOTIFIED = ['applied', 'refused', 'failed', 'pending-approval'] as const;
export type Notified = (typeof NOTIFIED)[number];

/** Which notification an outcome gets, if any. */
export function notificationKind(outcome: Outcome): Notified | undefined {
  if (outcome.stage === 'awaiting-approval') return 'pending-approval';
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
