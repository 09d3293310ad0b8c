// Alertmanager webhook receiver (HTTP API): authenticates, validates, queues each alert, answers 202.
import { makeHttpHandler } from '../lib/lambda/handlers.ts';
import { createReceiverRuntime } from '../lib/lambda/receiver.ts';

// Built at cold start: a missing or bad variable fails the init, by name, before any request.
const runtime = createReceiverRuntime(process.env);

export const handler = makeHttpHandler({ logger: runtime.logger, run: (request) => runtime.handle(request) });
