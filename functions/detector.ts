// Detector (SQS alert queue): diagnoses each alert instance and hands plans to the remediator.
import { makeSqsHandler } from '../lib/lambda/handlers.ts';
import { createDetectorDeps } from '../lib/lambda/workers.ts';
import { handleAlert } from '../lib/pipeline/detect.ts';
import { AlertMessageSchema } from '../lib/pipeline/messages.ts';

const deps = await createDetectorDeps(process.env);

export const handler = makeSqsHandler({
  schema: AlertMessageSchema,
  logger: deps.logger,
  run: (message) => {
    deps.metrics?.coldStart();
    return handleAlert(message, deps);
  },
});
