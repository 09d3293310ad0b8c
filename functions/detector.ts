// Detector (SQS alert queue): diagnoses each alert instance and hands plans to the remediator.
import { makeSqsHandler } from '../lib/lambda/handlers.ts';
import { detectorFunction } from '../lib/lambda/functions.ts';
import { AlertMessageSchema } from '../lib/pipeline/messages.ts';

const { app, logger, metrics } = detectorFunction(process.env);
// A bad configuration fails the cold start, naming the problem, before any message is taken.
await app.config();

export const handler = makeSqsHandler({
  schema: AlertMessageSchema,
  logger,
  run: (message) => {
    metrics.coldStart();
    return app.detect(message);
  },
});
