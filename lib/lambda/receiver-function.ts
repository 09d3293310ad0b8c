import { createApp } from '../app/app.ts';
import { AwsEnvSchema, parseEnv, ReceiverEnvSchema } from '../env.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { emfMetrics } from '../observe/metrics.ts';
import type { AlertMessage } from '../pipeline/messages.ts';
import { createSqsQueue } from '../queue/sqs-queue.ts';
import { createSsmParameterStore, ssmClient } from '../secrets/parameters.ts';
import type { FunctionApp } from './functions.ts';

// Apart from the workers' wiring (lib/lambda/functions.ts), so the receiver's bundle carries
// neither the DynamoDB, SNS and credential-chain clients nor any cluster access.

/**
 * The receiver: the alert queue and the webhook credential (from SSM on first use, kept for the
 * life of the container; never in the environment). Nothing else is built.
 */
export function receiverFunction(env: NodeJS.ProcessEnv): FunctionApp {
  const vars = parseEnv(ReceiverEnvSchema, env);
  const aws = parseEnv(AwsEnvSchema, env);
  const logger = createLogger({ level: vars.KUBEMEND_LOG_LEVEL, name: 'kubemend-receiver' });
  const metrics = emfMetrics('kubemend-receiver');
  const parameters = createSsmParameterStore(ssmClient(aws));
  const app = createApp({
    config: () => missingConfig('receiver'),
    logger,
    leaseMs: 0,
    metrics: () => metrics,
    alerts: () => createSqsQueue<AlertMessage>(vars.KUBEMEND_ALERT_QUEUE_URL, aws),
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
  return { app, logger, metrics };
}

function missingConfig(role: string): never {
  throw new ConfigError(`the ${role} function reads no agent configuration`);
}
