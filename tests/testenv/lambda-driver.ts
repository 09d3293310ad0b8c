import { fork, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { CreateRoleCommand, GetUserCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

import type { DeployedStack } from './deployed.ts';
import { allowStatements } from './least-privilege.ts';

const run = promisify(execFile);
const BOOTSTRAP = join(import.meta.dirname, 'lambda-bootstrap.ts');

/** A function as deployed: its configuration from the emulator, its code unpacked from the zip it holds. */
export interface DeployedFunction {
  name: string;
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  roleArn: string;
  environment: Record<string, string>;
  codeDir: string;
  /** Its reserved concurrency, when it has one: no more environments than that run at once. */
  reservedConcurrency?: number;
}

/** What an invocation answered: the handler's value, or the error Lambda would report. */
export type InvokeResult =
  | { ok: true; value: unknown; coldStart: boolean }
  | { ok: false; error: { errorType: string; errorMessage: string }; coldStart: boolean };

/**
 * Runs the deployed functions as the Lambda service does, on the project's Node 24: each
 * execution environment is a process started in the function's unpacked code with its
 * environment and its role's credentials, which loads the handler once and then runs one event at
 * a time with a context that holds the function's deadline; an invocation past the timeout kills
 * its environment, as Lambda does. More events at once start more environments, up to the
 * function's concurrency.
 *
 * Credentials: each function runs as a role of its own made from the deployed one with the same
 * actions on every resource. The emulator authorises actions only (not resources or conditions;
 * see the README), and a statement naming its resources would never match there; an action the
 * deployed role lacks is still an AccessDenied.
 */
export class LambdaDriver {
  private readonly pools = new Map<string, Promise<Pool>>();
  private readonly logsOf = new Map<string, () => string>();
  private readonly work = mkdtempSync(join(tmpdir(), 'kubemend-lambda-'));

  private readonly stack: DeployedStack;

  constructor(stack: DeployedStack) {
    this.stack = stack;
  }

  private client<T>(make: new (options: DeployedStack['moto']['clientOptions']) => T): T {
    return new make({ ...this.stack.moto.clientOptions, region: this.stack.region });
  }

  /** The deployed function behind a logical name (`Receiver`), unpacked once. */
  async function(logical: string): Promise<DeployedFunction> {
    const lambda = this.client(LambdaClient);
    const name = this.stack.physicalId(`${logical}LambdaFunction`);
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const { ReservedConcurrentExecutions } = await lambda.send(
      new GetFunctionConcurrencyCommand({ FunctionName: name }),
    );
    const code = (this.stack.template.Resources[`${logical}LambdaFunction`]!.Properties as { Code: { S3Key: string } })
      .Code;
    const object = await this.client(S3Client).send(
      new GetObjectCommand({ Bucket: this.stack.physicalId('ServerlessDeploymentBucket'), Key: code.S3Key }),
    );
    const zip = join(this.work, `${logical}.zip`);
    writeFileSync(zip, await object.Body!.transformToByteArray());
    const codeDir = join(this.work, logical);
    await run('python3', ['-m', 'zipfile', '-e', zip, codeDir]);
    return {
      name,
      handler: config.Handler!,
      memoryMb: config.MemorySize!,
      timeoutSeconds: config.Timeout!,
      roleArn: config.Role!,
      environment: config.Environment?.Variables ?? {},
      codeDir,
      ...(ReservedConcurrentExecutions === undefined ? {} : { reservedConcurrency: ReservedConcurrentExecutions }),
    };
  }

  /** Invokes the function once, in an idle environment of it or a new one (a cold start). */
  async invoke(logical: string, event: unknown, options: { concurrency?: number } = {}): Promise<InvokeResult> {
    // The pool's promise is kept at once, so that two first calls at once share one pool and role.
    let pool = this.pools.get(logical);
    if (pool === undefined) {
      pool = (async () =>
        new Pool(
          await this.function(logical),
          (await this.identity(logical)).credentials,
          this.stack,
          options.concurrency,
        ))();
      this.pools.set(logical, pool);
      // Logs of environments retired earlier stay readable.
      const earlier = this.logs(logical);
      void pool.then((ready) => this.logsOf.set(logical, () => `${earlier}${ready.logs()}`));
    }
    return (await pool).invoke(event);
  }

  /**
   * Plays the SQS event source mapping from `queue` (a logical ID) once, as deployed: receives up
   * to the mapping's batch size, invokes the function it names with them, and deletes what the
   * answer does not report failed (ReportBatchItemFailures); a failed message reappears after the
   * queue's visibility timeout.
   */
  async pollQueue(
    logical: string,
    queue: string,
  ): Promise<{ messages: Message[]; result?: InvokeResult; failed: string[] }> {
    const queueUrl = this.stack.physicalId(queue);
    // The mapping reads and deletes with the function's own role, as Lambda's poller does.
    const sqs = await this.asFunction(logical, SQSClient);
    const { queueArn, batchSize } = await this.mapping(queueUrl, sqs);
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return { messages, failed: [] };
    const event = {
      Records: messages.map((message) => ({
        messageId: message.MessageId,
        receiptHandle: message.ReceiptHandle,
        body: message.Body,
        attributes: message.Attributes ?? {},
        messageAttributes: message.MessageAttributes ?? {},
        md5OfBody: message.MD5OfBody,
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: this.stack.region,
      })),
    };
    const result = await this.invoke(logical, event);
    // A failed invocation fails the whole batch; otherwise only the items it names.
    const failed = result.ok
      ? ((result.value as { batchItemFailures?: { itemIdentifier: string }[] } | null)?.batchItemFailures ?? []).map(
          (item) => item.itemIdentifier,
        )
      : messages.map((message) => message.MessageId!);
    const done = messages.filter((message) => !failed.includes(message.MessageId!));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
    return { messages, result, failed };
  }

  private readonly mappings = new Map<string, { queueArn: string; batchSize: number }>();

  /** The queue's ARN (asked with the function's role) and the batch size of the event source mapping that reads it. */
  private async mapping(queueUrl: string, sqs: SQSClient): Promise<{ queueArn: string; batchSize: number }> {
    const known = this.mappings.get(queueUrl);
    if (known !== undefined) return known;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = Attributes!.QueueArn!;
    const { EventSourceMappings = [] } = await this.client(LambdaClient).send(new ListEventSourceMappingsCommand({}));
    const mapping = EventSourceMappings.find((m) => m.EventSourceArn === queueArn);
    if (mapping === undefined) throw new Error(`no event source mapping reads ${queueUrl}`);
    const found = { queueArn, batchSize: mapping.BatchSize! };
    this.mappings.set(queueUrl, found);
    return found;
  }

  /** A client of the emulator with the function's credentials. */
  private async asFunction<T>(
    logical: string,
    make: new (options: DeployedStack['moto']['clientOptions'] & { credentials: Credentials }) => T,
  ): Promise<T> {
    const { credentials } = await this.identity(logical);
    return new make({ ...this.stack.moto.clientOptions, region: this.stack.region, credentials });
  }

  private readonly identities = new Map<string, Promise<{ roleArn: string; credentials: Credentials }>>();

  /**
   * The role the function runs as (the mirror of its deployed role, made once) and the
   * credentials of its session: what STS would say it is, and what it signs EKS tokens with.
   */
  identity(logical: string): Promise<{ roleArn: string; credentials: Credentials }> {
    let identity = this.identities.get(logical);
    if (identity === undefined) {
      identity = this.assumeMirrorRole(logical);
      this.identities.set(logical, identity);
    }
    return identity;
  }

  /**
   * Ends every execution environment of the function, as Lambda retires idle ones: the next
   * event starts a new one (a cold start, which reads the config again).
   */
  async retire(logical: string): Promise<void> {
    const pool = this.pools.get(logical);
    this.pools.delete(logical);
    if (pool === undefined) return;
    await pool;
    // What its environments printed, kept: a stopped environment leaves the pool.
    const logs = this.logs(logical);
    await (await pool).stop();
    this.logsOf.set(logical, () => logs);
  }

  private async assumeMirrorRole(logical: string): Promise<{ roleArn: string; credentials: Credentials }> {
    const iam = this.client(IAMClient);
    // The deployed role's actions, read from the template the deploy sent.
    const statements = allowStatements(this.stack, `${logical}Role`).map((statement) => ({
      Effect: 'Allow',
      Action: withBatchNames(statement.actions),
      Resource: '*',
    }));
    const { User } = await iam.send(new GetUserCommand({}));
    const mirror = `kubemend-test-${logical.toLowerCase()}-actions`;
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: mirror,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: User!.Arn }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: mirror,
        PolicyName: 'actions',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      }),
    );
    const session = await this.client(STSClient).send(
      new AssumeRoleCommand({ RoleArn: created.Role!.Arn, RoleSessionName: `kubemend-${logical.toLowerCase()}` }),
    );
    return {
      roleArn: created.Role!.Arn!,
      credentials: {
        accessKeyId: session.Credentials!.AccessKeyId!,
        secretAccessKey: session.Credentials!.SecretAccessKey!,
        sessionToken: session.Credentials!.SessionToken!,
        arn: session.AssumedRoleUser!.Arn!,
      },
    };
  }

  /** How many execution environments the function has now. */
  async environments(logical: string): Promise<number> {
    return (await this.pools.get(logical))?.size() ?? 0;
  }

  /** What the function's environments printed (their log lines). */
  logs(logical: string): string {
    return this.logsOf.get(logical)?.() ?? '';
  }

  /** Stops every execution environment and removes the unpacked code. */
  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map(async (pool) => (await pool).stop()));
    rmSync(this.work, { recursive: true, force: true });
  }
}

/**
 * AWS authorises an SQS batch call by its single-message action (SendMessageBatch needs
 * sqs:SendMessage); the emulator by the call's own name. Granting the single action grants both.
 */
function withBatchNames(actions: string[]): string[] {
  const batch = {
    'sqs:SendMessage': 'sqs:SendMessageBatch',
    'sqs:DeleteMessage': 'sqs:DeleteMessageBatch',
    'sqs:ChangeMessageVisibility': 'sqs:ChangeMessageVisibilityBatch',
  } as Record<string, string>;
  return actions.flatMap((action) => (batch[action] === undefined ? [action] : [action, batch[action]]));
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** The assumed-role session's ARN, as STS GetCallerIdentity answers it. */
  arn: string;
}

interface Environment {
  child: ChildProcess;
  busy: boolean;
  ready: Promise<void>;
  /** What it printed, the last 20,000 characters. */
  output: () => string;
}

/** The execution environments of one function. */
class Pool {
  private readonly environments: Environment[] = [];
  private readonly waiting: (() => void)[] = [];

  private readonly fn: DeployedFunction;
  private readonly credentials: Credentials;
  private readonly stack: DeployedStack;
  private readonly concurrency: number;

  constructor(fn: DeployedFunction, credentials: Credentials, stack: DeployedStack, concurrency = 10) {
    this.fn = fn;
    this.credentials = credentials;
    this.stack = stack;
    // An event beyond the reserved concurrency waits for an environment (Lambda throttles it, and
    // an event source mapping retries it).
    this.concurrency = Math.min(concurrency, fn.reservedConcurrency ?? concurrency);
  }

  /** How many execution environments it has. */
  size(): number {
    return this.environments.length;
  }

  private start(): Environment {
    const child = fork(BOOTSTRAP, [], {
      cwd: this.fn.codeDir,
      execPath: process.execPath,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        PATH: process.env.PATH ?? '',
        TZ: ':UTC',
        LANG: 'en_US.UTF-8',
        ...this.fn.environment,
        _HANDLER: this.fn.handler,
        LAMBDA_TASK_ROOT: this.fn.codeDir,
        AWS_LAMBDA_FUNCTION_NAME: this.fn.name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.fn.memoryMb),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${this.fn.name}`,
        AWS_REGION: this.stack.region,
        AWS_DEFAULT_REGION: this.stack.region,
        AWS_ENDPOINT_URL: this.stack.moto.endpoint,
        AWS_ACCESS_KEY_ID: this.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey,
        AWS_SESSION_TOKEN: this.credentials.sessionToken,
      },
    });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const environment: Environment = {
      child,
      busy: true,
      output: () => output,
      ready: new Promise<void>((resolve, reject) => {
        child.once('message', (message: { type: string; error?: { errorMessage: string } }) =>
          message.type === 'ready' ? resolve() : reject(new Error(`init failed: ${message.error?.errorMessage}`)),
        );
        child.once('exit', (code) => reject(new Error(`environment exited with ${code} during init`)));
      }),
    };
    // An environment that ends, however it ends, is gone: the next event starts a new one.
    child.once('exit', () => {
      const index = this.environments.indexOf(environment);
      if (index >= 0) this.environments.splice(index, 1);
      this.waiting.shift()?.();
    });
    this.environments.push(environment);
    return environment;
  }

  private async acquire(): Promise<{ environment: Environment; coldStart: boolean }> {
    for (;;) {
      const idle = this.environments.find((e) => !e.busy && e.child.exitCode === null && e.child.signalCode === null);
      if (idle !== undefined) {
        idle.busy = true;
        return { environment: idle, coldStart: false };
      }
      if (this.environments.length < this.concurrency) return { environment: this.start(), coldStart: true };
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  async invoke(event: unknown): Promise<InvokeResult> {
    const { environment, coldStart } = await this.acquire();
    try {
      try {
        await environment.ready;
      } catch (error) {
        return {
          ok: false,
          coldStart,
          error: { errorType: 'Runtime.InitError', errorMessage: (error as Error).message },
        };
      }
      const id = randomUUID();
      const deadline = Date.now() + this.fn.timeoutSeconds * 1000;
      return await new Promise<InvokeResult>((resolve) => {
        const timer = setTimeout(() => {
          environment.child.off('exit', onExit);
          environment.child.kill('SIGKILL');
          resolve({
            ok: false,
            coldStart,
            error: {
              errorType: 'Sandbox.Timedout',
              errorMessage: `Task timed out after ${this.fn.timeoutSeconds} seconds`,
            },
          });
        }, deadline - Date.now());
        const onMessage = (message: { type: string; id?: string; ok?: boolean; value?: unknown; error?: never }) => {
          if (message.type !== 'result' || message.id !== id) return;
          clearTimeout(timer);
          environment.child.off('message', onMessage);
          environment.child.off('exit', onExit);
          resolve(
            message.ok === true
              ? { ok: true, value: message.value, coldStart }
              : { ok: false, error: message.error!, coldStart },
          );
        };
        // The runtime gone mid-event (a crash, an exit): Lambda reports it at once.
        const onExit = (code: number | null, signal: string | null) => {
          clearTimeout(timer);
          environment.child.off('message', onMessage);
          resolve({
            ok: false,
            coldStart,
            error: {
              errorType: 'Runtime.ExitError',
              errorMessage: `RequestId: ${id} Error: Runtime exited with ${signal ?? `error: exit status ${code}`}`,
            },
          });
        };
        environment.child.once('exit', onExit);
        environment.child.on('message', onMessage);
        environment.child.send({ type: 'invoke', id, event, deadline, requestId: id });
      });
    } finally {
      environment.busy = false;
      this.waiting.shift()?.();
    }
  }

  /** What the environments printed (their logs), newest last. */
  logs(): string {
    return this.environments.map((e) => e.output()).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.environments.map(
        (e) =>
          new Promise<void>((resolve) => {
            if (e.child.exitCode !== null || e.child.signalCode !== null) return resolve();
            e.child.once('exit', () => resolve());
            e.child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** The event the HTTP API (payload format 2.0) sends its integration for one request. */
export function httpApiEvent(
  stack: DeployedStack,
  request: { method: string; path: string; headers: Record<string, string>; body: string },
): Record<string, unknown> {
  const now = new Date();
  const routeKey = `${request.method} ${request.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString: '',
    headers: Object.fromEntries(
      Object.entries({ ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) }).map(
        ([name, value]) => [name.toLowerCase(), value],
      ),
    ),
    requestContext: {
      accountId: '123456789012',
      apiId: stack.physicalId('HttpApi'),
      domainName: `${stack.physicalId('HttpApi')}.execute-api.${stack.region}.amazonaws.com`,
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'Alertmanager/0.25.0',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: request.body,
    isBase64Encoded: false,
  };
}

/** API Gateway's HTTP API payload limit: a larger request is answered 413 before any function runs. */
const HTTP_API_MAX_BYTES = 10 * 1024 * 1024;

/**
 * The deployed HTTP API on loopback: each request on one of `routes` (`POST /alerts`) becomes a
 * payload 2.0 event for the `function` the route integrates, and its answer the HTTP answer, as
 * API Gateway relays a Lambda proxy integration; any other route is 404 and a body over 10 MB
 * 413, as API Gateway answers them.
 */
export async function serveHttpApi(
  driver: LambdaDriver,
  stack: DeployedStack,
  options: { routes: string[]; function: string },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= HTTP_API_MAX_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0]!;
      const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(body);
      };
      if (!options.routes.includes(`${request.method} ${path}`)) return answer(404, '{"message":"Not Found"}');
      if (size > HTTP_API_MAX_BYTES) return answer(413, '{"message":"Request Entity Too Large"}');
      const headers = Object.fromEntries(
        Object.entries(request.headers).flatMap(([name, value]) =>
          value === undefined ? [] : [[name, Array.isArray(value) ? value.join(',') : value]],
        ),
      );
      const event = httpApiEvent(stack, {
        method: request.method ?? 'GET',
        path,
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      driver.invoke(options.function, event).then(
        (result) => {
          if (!result.ok) return answer(500, '{"message":"Internal Server Error"}');
          const value = result.value as { statusCode: number; headers?: Record<string, string>; body?: string };
          answer(value.statusCode, value.body ?? '', value.headers ?? {});
        },
        () => answer(500, '{"message":"Internal Server Error"}'),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Lambda's Invoke API on loopback for the deployed functions (`POST
 * /2015-03-31/functions/<name>/invocations`, RequestResponse), so that a caller outside the test
 * process — the CLI with `--stage`, pointed here by `AWS_ENDPOINT_URL_LAMBDA` — reaches them as it
 * reaches Lambda: a handler's value is a 200 with it as the payload; a handler's error is a 200
 * with `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage}`; an unknown function is
 * a 404 `ResourceNotFoundException`.
 */
export async function serveInvokeApi(
  driver: LambdaDriver,
  stack: DeployedStack,
): Promise<{ url: string; close: () => Promise<void> }> {
  const logicalOf = new Map(
    Object.entries(stack.template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id]) => [stack.physicalId(id), id.replace(/LambdaFunction$/, '')]),
  );
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(body);
      };
      const name = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec((request.url ?? '/').split('?')[0]!)?.[1];
      const logical = name === undefined ? undefined : logicalOf.get(decodeURIComponent(name));
      if (request.method !== 'POST' || logical === undefined) {
        return answer(404, JSON.stringify({ Type: 'User', message: `Function not found: ${name ?? request.url}` }), {
          'x-amzn-errortype': 'ResourceNotFoundException',
        });
      }
      const text = Buffer.concat(chunks).toString('utf8');
      driver.invoke(logical, text === '' ? {} : JSON.parse(text)).then(
        (result) =>
          result.ok
            ? answer(200, JSON.stringify(result.value ?? null))
            : answer(200, JSON.stringify(result.error), { 'x-amz-function-error': 'Unhandled' }),
        (error: unknown) => answer(500, JSON.stringify({ message: String(error) })),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
