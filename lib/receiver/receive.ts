import { dedupeAlerts } from '../alert/identity.ts';
import { parseWebhook } from '../alert/schema.ts';
import type { AlertMessage } from '../pipeline/messages.ts';
import type { Queue } from '../queue/queue.ts';

/** What the receiver answers Alertmanager with (202). */
export interface ReceiveSummary {
  /** Alerts handed on for processing, each of which will end with an outcome record. */
  accepted: number;
  firing: number;
  resolved: number;
  /** Repeats of an alert instance inside this webhook, dropped. */
  duplicates: number;
  /** Alerts Alertmanager left out of the group (its `max_alerts`). */
  truncated: number;
}

/**
 * Validates a webhook body and hands each alert instance on. Throws ValidationError (a 4xx: the
 * body will never be valid) before anything is queued, so a bad body leaves nothing behind.
 */
export async function receiveWebhook(
  body: unknown,
  deps: { alerts: Queue<AlertMessage>; clock: () => Date },
): Promise<ReceiveSummary> {
  const webhook = parseWebhook(body);
  const { unique, duplicates } = dedupeAlerts(webhook.alerts);
  const receivedAt = deps.clock().toISOString();
  await deps.alerts.send(
    unique.map((alert) => ({
      kind: 'alert',
      alert,
      receivedAt,
      receiver: webhook.receiver,
      groupKey: webhook.groupKey,
    })),
  );
  const firing = unique.filter((alert) => alert.status === 'firing').length;
  return {
    accepted: unique.length,
    firing,
    resolved: unique.length - firing,
    duplicates,
    truncated: webhook.truncatedAlerts,
  };
}
