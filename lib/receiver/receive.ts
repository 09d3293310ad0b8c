import { dedupeAlerts } from '../alert/identity.ts';
import { readWebhookBody } from '../alert/read.ts';
import { PayloadTooLargeError } from '../errors.ts';
import { MAX_BODY_BYTES } from '../http/responses.ts';
import type { AlertMessage } from '../pipeline/messages.ts';
import type { Queue } from '../queue/queue.ts';
import { checkWebhookCredential } from './auth.ts';

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
  const webhook = await readWebhookBody(body);
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

/** One webhook request as the receiver sees it, from an HTTP API event or the local server. */
export interface WebhookRequest {
  body: string;
  /** Lower-cased names. */
  headers: Record<string, string | undefined>;
}

/**
 * A webhook request end to end: the credential first (when the receiver has one), then the
 * body's size and shape, then each alert handed on. Throws a 4xx error (unauthorized, too large,
 * invalid) before anything is queued.
 */
export async function receiveRequest(
  request: WebhookRequest,
  deps: { alerts: Queue<AlertMessage>; clock: () => Date; secret: () => Promise<string | undefined> },
): Promise<ReceiveSummary> {
  const secret = await deps.secret();
  if (secret !== undefined) checkWebhookCredential(request.headers.authorization, secret);
  if (Buffer.byteLength(request.body, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  return receiveWebhook(request.body, deps);
}
