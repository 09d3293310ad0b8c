// Remediator: applies each plan from the SQS plan queue under the guardrails, verifies it and
// records the outcome; invoked directly with {"approve": "<id>", "by": "<who>"}, it runs a fix
// waiting for approval, with {"reject": …} turns it down, with {"run": <plan>, …} runs one fix by
// hand (`kubemend approve|reject|run --stage`; see docs/runbooks/approvals.md).
import type { Context, SQSEvent } from 'aws-lambda';

import { makeApproveHandler } from '../lib/lambda/approve.ts';
import { makeSqsHandler } from '../lib/lambda/handlers.ts';
import { remediatorFunction } from '../lib/lambda/functions.ts';
import { RemediatorMessageSchema } from '../lib/pipeline/messages.ts';

const { app, logger, metrics } = remediatorFunction(process.env);
// A bad configuration fails the cold start, naming the problem, before any message is taken.
await app.config();

const fromQueue = makeSqsHandler({
  schema: RemediatorMessageSchema,
  logger,
  run: (message) => {
    metrics.coldStart();
    // A plan that is due, or a decision from Slack's buttons on one waiting for approval.
    return message.kind === 'plan' ? app.remediate(message) : app.decide(message);
  },
});
const approveNow = makeApproveHandler(app, logger);

export const handler = (event: SQSEvent | Record<string, unknown>, context: Context) =>
  'Records' in event ? fromQueue(event as SQSEvent, context) : approveNow(event);
