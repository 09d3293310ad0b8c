// Alertmanager webhook receiver (HTTP API): authenticates, validates, queues each alert, answers 202.
import { jsonResponse } from '../lib/http/responses.ts';
import { makeHttpHandler } from '../lib/lambda/handlers.ts';
import { receiverFunction } from '../lib/lambda/receiver-function.ts';

// Built at cold start: a missing or bad variable fails the init, by name, before any request.
const { receive, logger, metrics } = receiverFunction(process.env);

export const handler = makeHttpHandler({
  logger,
  run: async (request) => {
    metrics.coldStart();
    return jsonResponse(202, await receive(request));
  },
});
