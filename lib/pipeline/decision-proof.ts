import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import type { DecisionMessage } from './messages.ts';

/**
 * The proof a queued decision carries: the HMAC-SHA256 of its fields under a key derived from the
 * Slack signing secret, which only the receiver (having checked Slack's signature) and the
 * remediator hold. A decision anyone else puts on the queue cannot name an approver.
 */
export function decisionProof(decision: Omit<DecisionMessage, 'proof'>, secret: string): string {
  const key = createHmac('sha256', secret).update('kubemend decision proof').digest();
  const { id, decision: verdict, slack, receivedAt } = decision;
  const fields = [
    id,
    verdict,
    slack.userId,
    slack.userName ?? '',
    slack.teamId ?? '',
    slack.responseUrl ?? '',
    receivedAt,
  ];
  return createHmac('sha256', key).update(JSON.stringify(fields)).digest('hex');
}

/** Whether a queued decision's proof is the one the receiver would have made (compared in constant time). */
export function hasValidProof(decision: DecisionMessage, secret: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(decision.proof), digest(decisionProof(decision, secret)));
}
