import { AwsEnvSchema, parseEnv, ReceiverEnvSchema } from '../env.ts';
import { ConfigError, PayloadTooLargeError } from '../errors.ts';
import { jsonResponse, MAX_BODY_BYTES, type HttpResponse } from '../http/responses.ts';
import { createLogger, type Logger } from '../logger.ts';
import type { AlertMessage } from '../pipeline/messages.ts';
import { createSqsQueue } from '../queue/sqs-queue.ts';
import { checkWebhookCredential } from '../receiver/auth.ts';
import { receiveWebhook } from '../receiver/receive.ts';
import { createSsmParameterStore, ssmClient } from '../secrets/parameters.ts';
import { emfMetrics } from '../observe/metrics.ts';

export interface ReceiverRuntime {
  logger: Logger;
  handle(request: { body: string; headers: Record<string, string | undefined> }): Promise<HttpResponse>;
}

/**
 * Builds the receiver from its environment once per container. The webhook secret is read from
 * SSM on first use and kept for the life of the container; it never appears in the environment.
 */
export function createReceiverRuntime(env: NodeJS.ProcessEnv): ReceiverRuntime {
  const config = parseEnv(ReceiverEnvSchema, env);
  const logger = createLogger({ level: config.KUBEMEND_LOG_LEVEL, name: 'kubemend-receiver' });
  const aws = parseEnv(AwsEnvSchema, env);
  const alerts = createSqsQueue<AlertMessage>(config.KUBEMEND_ALERT_QUEUE_URL, aws);
  const parameters = createSsmParameterStore(ssmClient(aws));
  const webhookSecret = async () => {
    const value = await parameters.get(config.KUBEMEND_WEBHOOK_TOKEN_PARAMETER);
    if (value === undefined || value.length < 16) {
      throw new ConfigError(
        `parameter ${config.KUBEMEND_WEBHOOK_TOKEN_PARAMETER} is missing or shorter than 16 characters`,
      );
    }
    return value;
  };
  const metrics = emfMetrics('kubemend-receiver');
  return {
    logger,
    handle: async ({ body, headers }) => {
      metrics.coldStart();
      checkWebhookCredential(headers.authorization, await webhookSecret());
      if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
      const summary = await receiveWebhook(body, { alerts, clock: () => new Date() });
      logger.info(summary, 'webhook accepted');
      metrics.alertsReceived(summary.accepted);
      return jsonResponse(202, summary);
    },
  };
}
