import { once } from '../app/once.ts';
import { receiveFlow } from '../app/receive.ts';
import { ConfigError } from '../errors.ts';
import { parseAwsEnv, parseReceiverEnv } from '../process-env.ts';
import { createLogger, type Logger } from '../logger.ts';
import { emfMetrics, type OutcomeMetrics } from '../observe/metrics.ts';
import { jsonResponse, type HttpResponse } from '../http/responses.ts';
import type { AlertMessage, DecisionMessage } from '../pipeline/messages.ts';
import { createSqsQueue } from '../queue/sqs-queue.ts';
import type { ReceiveSummary, WebhookRequest } from '../receiver/receive.ts';
import { createSsmParameterStore, ssmClient } from '../secrets/parameters.ts';

// Apart from the workers' wiring (lib/lambda/functions.ts), and built from the application's
// receive flow alone (lib/app/receive.ts, what App.receive is), so the receiver's bundle carries
// no other flow, no DynamoDB, SNS or credential-chain client and no cluster access.

/**
 * The receiver: the alert queue and the webhook credential (from SSM on first use, kept for the
 * life of the container; never in the environment). Nothing else is built.
 */
export function receiverFunction(env: NodeJS.ProcessEnv): {
  receive: (request: WebhookRequest) => Promise<ReceiveSummary>;
  /** The Slack interactivity route (`POST /slack/interactions`): a 404 unless the stage has a signing secret. */
  slack: (request: WebhookRequest) => Promise<HttpResponse>;
  logger: Logger;
  metrics: OutcomeMetrics;
} {
  const vars = parseReceiverEnv(env);
  const aws = parseAwsEnv(env);
  const logger = createLogger({ level: vars.KUBEMEND_LOG_LEVEL, name: 'kubemend-receiver' });
  const metrics = emfMetrics('kubemend-receiver');
  const parameters = createSsmParameterStore(ssmClient(aws));
  const receive = receiveFlow({
    logger,
    clock: () => new Date(),
    metrics: () => metrics,
    alerts: once(() => createSqsQueue<AlertMessage>(vars.KUBEMEND_ALERT_QUEUE_URL, aws)),
    webhookSecret: async () => {
      const value = await parameters.get(vars.KUBEMEND_WEBHOOK_TOKEN_PARAMETER);
      if (value === undefined || value.length < 16) {
        throw new ConfigError(
          `parameter ${vars.KUBEMEND_WEBHOOK_TOKEN_PARAMETER} is missing or shorter than 16 characters`,
        );
      }
      return value;
    },
  });
  const decisions = once(() => createSqsQueue<DecisionMessage>(vars.KUBEMEND_PLAN_QUEUE_URL ?? '', aws));
  const slack = async (request: WebhookRequest): Promise<HttpResponse> => {
    const name = vars.KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER;
    if (name === undefined || vars.KUBEMEND_PLAN_QUEUE_URL === undefined) {
      return jsonResponse(404, {
        error: 'not_found',
        message: 'Slack approvals are not set up on this stage (its slackSigningSecretParameter)',
      });
    }
    // Loaded on the first click only: an alert's cold start carries none of it.
    const { receiveSlackInteraction } = await import('../receiver/slack.ts');
    const secret = await parameters.get(name);
    if (secret === undefined || secret.length < 16) {
      throw new ConfigError(`parameter ${name} is missing or shorter than 16 characters`);
    }
    const message = await receiveSlackInteraction(request, { decisions: decisions(), secret, clock: () => new Date() });
    logger.info(
      { alertId: message.id, decision: message.decision, slackUser: message.slack.userId },
      'Slack decision queued',
    );
    // Slack wants a 200 within 3 s; the remediator answers on the message's response_url.
    return { statusCode: 200, headers: {}, body: '' };
  };
  return { receive, slack, logger, metrics };
}
