// Remediator (SQS plan queue): applies each plan under policy and records the outcome.
import { makeSqsHandler } from '../lib/lambda/handlers.ts';
import { createRemediatorDeps } from '../lib/lambda/workers.ts';
import { PlanMessageSchema } from '../lib/pipeline/messages.ts';
import { handlePlan } from '../lib/pipeline/remediate.ts';

const deps = createRemediatorDeps(process.env);

export const handler = makeSqsHandler({
  schema: PlanMessageSchema,
  logger: deps.logger,
  run: (message) => handlePlan(message, deps),
});
