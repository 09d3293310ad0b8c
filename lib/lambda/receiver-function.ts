import { once } from '../app/once.ts';
import { receiveFlow } from '../app/receive.ts';
import { parseAwsEnv, parseEnv, ReceiverEnvSchema } from '../env.ts';
import { ConfigError } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { emfMetrics, type OutcomeMetrics } from '../observe/metrics.ts';
import type { AlertMessage } from '../pipeline/messages.ts';
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
  logger: Logger;
  metrics: OutcomeMetrics;
} {
  const vars = parseEnv(ReceiverEnvSchema, env);
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
  return { receive, logger, metrics };
}
