// One Lambda execution environment for the tests' Lambda driver (tests/testenv/lambda-driver.ts),
// run by Node 24 as TypeScript (types stripped):
// started in the function's unpacked code directory with the function's environment, it loads
// the handler once (the init), then runs one invocation at a time as the driver sends them over
// IPC, each with a context whose deadline is the function's timeout, and answers with the
// handler's result or the error as Lambda reports it (errorType, errorMessage).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [moduleName, exportName] = splitHandler(process.env._HANDLER ?? '');
const started = performance.now();

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

/** As the Node.js runtime resolves a handler: the module with .js, .mjs or .cjs, then the export. */
async function loadHandler(): Promise<Handler> {
  const base = join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (file === undefined)
    throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: 'Runtime.ImportModuleError' });
  const loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown> & {
    default?: Record<string, unknown>;
  };
  const handler = loaded[exportName] ?? loaded.default?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${moduleName}.${exportName} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler as Handler;
}

const asError = (error: unknown) => ({
  errorType: error instanceof Error ? error.name : 'Error',
  errorMessage: error instanceof Error ? error.message : String(error),
});

const send = (message: Record<string, unknown>): void => {
  process.send?.(message);
};

let handler: Handler;
try {
  handler = await loadHandler();
  send({ type: 'ready', initMs: performance.now() - started });
} catch (error) {
  send({ type: 'init-error', error: asError(error) });
  process.exit(1);
}

interface Invocation {
  type: string;
  id: string;
  event: unknown;
  deadline: number;
  requestId?: string;
  invokedFunctionArn?: string;
}

process.on('message', (message: Invocation) => {
  if (message.type === 'invoke') void invoke(message);
});

async function invoke(message: Invocation): Promise<void> {
  const context = {
    awsRequestId: message.requestId ?? randomUUID(),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  try {
    const value = await handler(message.event, context);
    send({ type: 'result', id: message.id, ok: true, value: value ?? null });
  } catch (error) {
    send({ type: 'result', id: message.id, ok: false, error: asError(error) });
  }
}
