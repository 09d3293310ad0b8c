import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';

import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { createDynamoFindingsStore } from '../audit/dynamodb-findings-store.ts';
import type { Outcome } from '../domain/types.ts';
import {
  ClusterUnknownError,
  ClusterUnreachableError,
  ConfigError,
  ConflictError,
  KubemendError,
  NotFoundError,
  ValidationError,
} from '../errors.ts';
import { killSwitchVerdict } from '../guardrails/kill-switch.ts';
import type { KillSwitchState } from '../local/kill-switch.ts';
import { createDynamoOutcomeStore } from '../store/dynamodb-outcome-store.ts';
import type { CliContext } from './context.ts';
import type { DeadLetterView, System } from './system.ts';

/** Which deployed stage a command works on: `--stage`, `--region`, `--profile`. */
export interface StageOptions {
  stage: string;
  region?: string;
  profile?: string;
}

/** What the stage's CloudFormation stack says about itself (its outputs, serverless.yml). */
export interface StageOutputs {
  stackName: string;
  region: string;
  tableName: string;
  remediatorFunction: string;
  killSwitchParameter: string;
  queues: Record<DeadLetterView['topic'], { url: string; deadLetters: string }>;
}

/** The outputs `kubemend --stage` reads, by name; a stack deployed before they existed lacks some. */
const OUTPUTS = [
  'OutcomesTableName',
  'RemediatorFunctionName',
  'KillSwitchParameterName',
  'AlertQueueUrl',
  'PlanQueueUrl',
  'AlertDeadLetterQueueUrl',
  'PlanDeadLetterQueueUrl',
] as const;

/** How many dead letters a listing reads at most (SQS hands out ten at a time). */
const MAX_LISTED = 100;

/** The alias every invoker of a function uses (serverless.yml custom.canary.alias). */
const LIVE_ALIAS = 'live';

/** The remediator's timeout (serverless.yml). */
const REMEDIATOR_TIMEOUT_MS = 480_000;

/**
 * The deployed stage's system: the CloudFormation stack `kubemend-<stage>` names its table, its
 * remediator, its kill switch parameter and its queues, and every command goes to those, with the
 * caller's own AWS credentials (`--profile`, else the SDK's usual chain) and region. Approving,
 * rejecting and running invoke the remediator as the approvals runbook does, so the fix runs where
 * the stage's guardrails and cluster access are; the record is then read back whole.
 */
export async function stageSystem(ctx: Pick<CliContext, 'who'>, options: StageOptions): Promise<System> {
  const config = {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  };
  const outputs = await stageOutputs(new CloudFormationClient(config), options.stage);
  const clients = { ...config, region: outputs.region };
  const dynamodb = new DynamoDBClient(clients);
  const outcomes = createDynamoOutcomeStore(dynamodb, { tableName: outputs.tableName, retentionDays: 1 });
  const findings = createDynamoFindingsStore(dynamodb, { tableName: outputs.tableName, retentionDays: 1 });
  const ssm = new SSMClient(clients);
  // The queue URLs are the stack's, in its region: the client's endpoint (an AWS_ENDPOINT_URL too) reaches them.
  const sqs = new SQSClient({ ...clients, useQueueUrlAsEndpoint: false });
  // One attempt: a retried invoke of `run` would apply a second fix. The request may take as long
  // as the remediator may (480 s, a verification included).
  const lambda = new LambdaClient({
    ...clients,
    maxAttempts: 1,
    requestHandler: { requestTimeout: REMEDIATOR_TIMEOUT_MS + 30_000 },
  });
  const sts = new STSClient(clients);
  // Who signs the calls, as IAM (and CloudTrail) knows them: asked once.
  let caller: Promise<string> | undefined;
  const callerArn = () => {
    caller ??= sts.send(new GetCallerIdentityCommand({})).then(
      (answer) => answer.Arn ?? 'an unknown AWS identity',
      (error: unknown) => Promise.reject(awsError(error, 'read the AWS identity (sts:GetCallerIdentity)')),
    );
    return caller;
  };

  const invoke = async (event: Record<string, unknown>): Promise<Outcome> => {
    const answer = await lambda.send(
      // The `live` alias, as every other caller: after a canary rolls back, it is the version that serves.
      new InvokeCommand({
        FunctionName: outputs.remediatorFunction,
        Qualifier: LIVE_ALIAS,
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    const payload = JSON.parse(Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8') || 'null') as unknown;
    if (answer.FunctionError !== undefined) throw remoteError(payload, outputs.remediatorFunction);
    const id = (payload as { id?: unknown } | null)?.id;
    const outcome = typeof id === 'string' ? await outcomes.get(id) : undefined;
    if (outcome === undefined) {
      throw new KubemendError(
        'internal_error',
        `${outputs.remediatorFunction} answered without a record: ${JSON.stringify(payload)}`,
      );
    }
    return outcome;
  };

  return {
    where: `stage ${options.stage} (stack ${outputs.stackName} in ${outputs.region})`,
    who: async (declared) => `${declared ?? ctx.who()} (${await callerArn()})`,
    recent: (query) => outcomes.recent(query),
    get: (id) => outcomes.get(id),
    findings: (cluster) => findings.open(cluster),
    killSwitch: () => readSsmKillSwitch(ssm, outputs.killSwitchParameter),
    setKillSwitch: async ({ on, by, why }) => {
      // The value is what the remediator reads; who, when and why go in the description, for status.
      const said = `set ${on ? 'on' : 'off'} by ${by} at ${new Date().toISOString()}${why === undefined ? '' : `: ${why}`}`;
      await ssm.send(
        new PutParameterCommand({
          Name: outputs.killSwitchParameter,
          Type: 'String',
          Value: on ? 'on' : 'off',
          Description: said.slice(0, 1024),
          Overwrite: true,
        }),
      );
      return readSsmKillSwitch(ssm, outputs.killSwitchParameter);
    },
    ...deadLetterQueues(sqs, outputs),
    approve: (id, by) => invoke({ approve: id, by }),
    reject: (id, by, reason) => invoke({ reject: id, by, ...(reason === undefined ? {} : { reason }) }),
    run: (request) =>
      invoke({
        run: request.plan,
        by: request.by,
        mode: request.mode,
        ...(request.cluster === undefined ? {} : { cluster: request.cluster }),
      }),
  };
}

/** The stage's dead-letter queues, as `kubemend dead-letters` lists, redrives and purges them. */
function deadLetterQueues(sqs: SQSClient, outputs: StageOutputs): Pick<System, 'deadLetters' | 'redrive' | 'purge'> {
  return {
    deadLetters: async (topic) => {
      const letters: DeadLetterView[] = [];
      for (const queue of topics(topic)) {
        for (const message of await peek(sqs, outputs.queues[queue].deadLetters)) {
          letters.push({
            id: message.MessageId ?? '',
            topic: queue,
            attempts: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
            lastError: null,
            body: message.Body ?? '',
          });
        }
      }
      return letters;
    },
    redrive: async (topic) => {
      let moved = 0;
      for (const queue of topics(topic)) {
        const { url, deadLetters } = outputs.queues[queue];
        moved += await drain(sqs, deadLetters, async (message) => {
          await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: message.Body ?? '' }));
        });
      }
      return moved;
    },
    purge: async (topic) => {
      let deleted = 0;
      for (const queue of topics(topic)) deleted += await drain(sqs, outputs.queues[queue].deadLetters, async () => {});
      return deleted;
    },
  };
}

/** The stage's stack outputs, or an error saying which stack is missing where, or which outputs it lacks. */
export async function stageOutputs(cloudformation: CloudFormationClient, stage: string): Promise<StageOutputs> {
  const stackName = `kubemend-${stage}`;
  const region = await regionOf(cloudformation);
  let found: Record<string, string>;
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    found = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((output): [string, string] => [
        output.OutputKey ?? '',
        output.OutputValue ?? '',
      ]),
    );
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
      throw new NotFoundError(
        `no stack ${stackName} in ${region}: is the stage deployed there? (--region, or AWS_REGION, names another)`,
        { cause: error },
      );
    }
    throw awsError(error, `read stack ${stackName} in ${region}`);
  }
  const missing = OUTPUTS.filter((key) => found[key] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      `stack ${stackName} in ${region} has no output ${missing.join(', ')}: deploy this version of kubemend to the stage first`,
    );
  }
  const value = (key: (typeof OUTPUTS)[number]) => found[key]!;
  return {
    stackName,
    region,
    tableName: value('OutcomesTableName'),
    remediatorFunction: value('RemediatorFunctionName'),
    killSwitchParameter: value('KillSwitchParameterName'),
    queues: {
      alerts: { url: value('AlertQueueUrl'), deadLetters: value('AlertDeadLetterQueueUrl') },
      plans: { url: value('PlanQueueUrl'), deadLetters: value('PlanDeadLetterQueueUrl') },
    },
  };
}

async function regionOf(client: CloudFormationClient): Promise<string> {
  try {
    return await client.config.region();
  } catch (error) {
    throw new ValidationError('no AWS region: give --region, or set AWS_REGION or a region in the --profile', [], {
      cause: error,
    });
  }
}

async function readSsmKillSwitch(ssm: SSMClient, name: string): Promise<KillSwitchState> {
  let value: string | undefined;
  try {
    value = (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if (!(error instanceof ParameterNotFound)) throw awsError(error, `read ${name}`);
  }
  const verdict = killSwitchVerdict(name, value);
  const { Parameters } = await ssm.send(
    new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: [name] }] }),
  );
  const said = /^set (?:on|off) by (.+?) at (\S+?)(?:: (.*))?$/s.exec(Parameters?.[0]?.Description ?? '');
  return said === null
    ? verdict
    : { ...verdict, by: said[1]!, at: said[2]!, ...(said[3] === undefined ? {} : { why: said[3] }) };
}

function topics(topic: DeadLetterView['topic'] | undefined): DeadLetterView['topic'][] {
  return topic === undefined ? ['alerts', 'plans'] : [topic];
}

/**
 * Up to MAX_LISTED messages of a queue, left where they are: each receive hides what it returns
 * for a while (so the next returns others) and the listing then makes them visible again. A
 * listing counts as one receive of each message (SQS's ApproximateReceiveCount, shown as ATTEMPTS).
 */
async function peek(sqs: SQSClient, url: string): Promise<Message[]> {
  const seen = new Map<string, Message>();
  try {
    while (seen.size < MAX_LISTED) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          // A long poll: a short one may answer empty while messages remain.
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      if (Messages === undefined || Messages.length === 0) break;
      for (const message of Messages) seen.set(message.MessageId ?? '', message);
    }
  } finally {
    for (const message of seen.values()) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message.ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
    }
  }
  return [...seen.values()];
}

/** Takes every message off a queue, handing each to `each` before it is deleted; how many. */
async function drain(sqs: SQSClient, url: string, each: (message: Message) => Promise<void>): Promise<number> {
  let done = 0;
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 1 }),
    );
    if (Messages === undefined || Messages.length === 0) return done;
    // One delete per message: IAM grants a batch by its single-message action, some emulators by its own name.
    for (const message of Messages) {
      await each(message);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }));
    }
    done += Messages.length;
  }
}

/** What the remediator's error answer means here: the same error class a local run raises, so the exit code is the same. */
export function remoteError(payload: unknown, functionName: string): Error {
  const { errorType, errorMessage } = (payload ?? {}) as { errorType?: unknown; errorMessage?: unknown };
  const message =
    typeof errorMessage === 'string' ? errorMessage : `${functionName} failed: ${JSON.stringify(payload)}`;
  switch (errorType) {
    case 'ValidationError':
      return new ValidationError(message);
    case 'ConfigError':
      return new ConfigError(message);
    case 'NotFoundError':
      return new NotFoundError(message);
    case 'ConflictError':
      return new ConflictError(message);
    case 'ClusterUnreachableError':
      return new ClusterUnreachableError(message);
    case 'ClusterUnknownError':
      return new ClusterUnknownError(message);
    default:
      return new KubemendError('internal_error', `${functionName}: ${message}`);
  }
}

/** An AWS SDK error as one line that says what was being done. */
function awsError(error: unknown, doing: string): KubemendError {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new KubemendError('aws_service_error', `${doing}: ${text}`, { cause: error });
}
