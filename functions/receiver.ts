// Alertmanager webhook receiver (HTTP API): authenticates, validates, queues each alert, answers 202;
// and Slack's Approve and Reject buttons: checks Slack's signature, queues the decision, answers 200.
import { jsonResponse } from '../lib/http/responses.ts';
import { makeHttpHandler } from '../lib/lambda/handlers.ts';
import { receiverFunction } from '../lib/lambda/receiver-function.ts';

// Built at cold start: a missing or bad variable fails the init, by name, before any request.
const { receive, slack, logger, metrics } = receiverFunction(process.env);

export const handler = makeHttpHandler({
  logger,
  run: async (request) => {
    metrics.coldStart();
    // The HTTP API routes only POST /alerts and POST /slack/interactions here.
    if (request.path === '/slack/interactions') return slack(request);
    return jsonResponse(202, await receive(request));
  },
});
