// Remediator: applies each plan from the SQS plan queue under policy, verifies it and records the
// outcome; invoked directly with {"approve": "<id>", "by": "<who>"}, it runs a fix waiting for
// approval (see docs/runbooks/approvals.md).
import type { Context, SQSEvent } from 'aws-lambda';

import { makeApproveHandler } from '../lib/lambda/approve.ts';
import { makeSqsHandler } from '../lib/lambda/handlers.ts';
import { createRemediatorDeps } from '../lib/lambda/workers.ts';
import { PlanMessageSchema } from '../lib/pipeline/messages.ts';
import { handlePlan } from '../lib/pipeline/remediate.ts';

const deps = await createRemediatorDeps(process.env);

const fromQueue = makeSqsHandler({
  schema: PlanMessageSchema,
  logger: deps.logger,
  run: (message) => {
    deps.metrics?.coldStart();
    return handlePlan(message, deps);
  },
});
const approveNow = makeApproveHandler(deps);

export const handler = (event: SQSEvent | Record<string, unknown>, context: Context) =>
  'Records' in event ? fromQueue(event as SQSEvent, context) : approveNow(event);
