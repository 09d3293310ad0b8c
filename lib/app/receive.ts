import type { Logger } from '../logger.ts';
import type { OutcomeMetrics } from '../observe/metrics.ts';
import type { AlertMessage } from '../pipeline/messages.ts';
import type { Queue } from '../queue/queue.ts';
import { receiveRequest, type ReceiveSummary, type WebhookRequest } from '../receiver/receive.ts';

/** What the receive flow needs: where alerts go, the credential, and where it reports. */
export interface ReceivePorts {
  alerts: () => Queue<AlertMessage>;
  /** The webhook credential; undefined: the receiver takes unauthenticated requests (loopback only). */
  webhookSecret?: () => Promise<string | undefined>;
  clock: () => Date;
  logger: Logger;
  metrics: () => OutcomeMetrics;
}

/**
 * The receive flow of the application (`App.receive`): the credential checked, the body
 * validated, each alert handed on, the acceptance logged and counted. On its own module so that
 * the receiver function, which runs nothing else, loads none of the other flows' code.
 */
export function receiveFlow(ports: ReceivePorts): (request: WebhookRequest) => Promise<ReceiveSummary> {
  return async (request) => {
    const summary = await receiveRequest(request, {
      alerts: ports.alerts(),
      clock: ports.clock,
      secret: ports.webhookSecret ?? (async () => undefined),
    });
    ports.logger.info(summary, 'webhook accepted');
    ports.metrics().alertsReceived(summary.accepted);
    return summary;
  };
}
