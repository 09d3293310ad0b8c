import { ConfigError } from './errors.ts';

// The process environment, and what is parsed from it by plain code: the AWS environment every
// function reads, and the receiver's settings (the receiver takes a valid webhook without loading
// zod, lib/alert/read.ts, so its start builds no schema at all). The workers and the CLI parse
// their own settings with the zod schemas in lib/env.ts, which re-exports what is here.

/**
 * The process environment. The one place kubemend reads it: everything else is handed the
 * environment, or what was parsed from it, by whoever builds the application (the functions in
 * `functions/`, the CLI in `bin/`).
 */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/**
 * What kubemend's own AWS clients (the JSON-protocol SQS and SSM clients) take from the
 * environment Lambda sets: the region, the function's credentials, and the endpoint overrides
 * the SDK honours too (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`; local emulators).
 */
export interface AwsEnv {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  endpoints: {
    /** `AWS_ENDPOINT_URL`: every service's endpoint unless its own is set. */
    all: string | undefined;
    /** `AWS_ENDPOINT_URL_<SERVICE>` by lower-case service name (`sqs`, `ssm`). */
    services: Record<string, string>;
  };
}

/**
 * Parses the AWS environment once, where a function is built, and hands it to each client; a
 * missing or bad variable stops start-up by name, as parseEnv does. Plain code rather than a zod
 * schema: the receiver parses it on every cold start, and building the schema cost it 1 ms.
 */
export function parseAwsEnv(env: NodeJS.ProcessEnv): AwsEnv {
  const set = (name: string) => (env[name] === '' ? undefined : env[name]);
  const problems: string[] = [];
  const region = set('AWS_REGION') ?? set('AWS_DEFAULT_REGION');
  if (region === undefined) problems.push('AWS_REGION: not set (nor AWS_DEFAULT_REGION)');
  const accessKeyId = set('AWS_ACCESS_KEY_ID');
  if (accessKeyId === undefined) problems.push('AWS_ACCESS_KEY_ID: not set');
  const secretAccessKey = set('AWS_SECRET_ACCESS_KEY');
  if (secretAccessKey === undefined) problems.push('AWS_SECRET_ACCESS_KEY: not set');
  const sessionToken = set('AWS_SESSION_TOKEN');
  const url = (name: string) => {
    const value = set(name);
    if (value !== undefined && !isHttpUrl(value)) {
      problems.push(`${name}: expected an http(s) URL`);
    }
    return value;
  };
  const all = url('AWS_ENDPOINT_URL');
  const services: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const service = /^AWS_ENDPOINT_URL_([A-Z0-9_]+)$/.exec(name)?.[1];
    const value = service === undefined ? undefined : url(name);
    if (service !== undefined && value !== undefined) services[service.toLowerCase()] = value;
  }
  if (problems.length > 0) throw new ConfigError(`environment: ${problems.join('; ')}`);
  return {
    region: region!,
    credentials: {
      accessKeyId: accessKeyId!,
      secretAccessKey: secretAccessKey!,
      ...(sessionToken === undefined ? {} : { sessionToken }),
    },
    endpoints: { all, services },
  };
}

/** The log levels pino takes. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The webhook receiver Lambda's own settings: the queue and the secrets' parameter names. */
export interface ReceiverEnv {
  KUBEMEND_LOG_LEVEL: (typeof LOG_LEVELS)[number];
  KUBEMEND_ALERT_QUEUE_URL: string;
  /** SSM SecureString holding the webhook credential; read once per container. */
  KUBEMEND_WEBHOOK_TOKEN_PARAMETER: string;
  /** SSM SecureString holding the Slack app's signing secret; unset: the Slack route answers 404. */
  KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER?: string;
  /** Where Slack decisions go: the remediator's queue (with the Slack route). */
  KUBEMEND_PLAN_QUEUE_URL?: string;
}

/**
 * The receiver's settings from its environment; every missing or bad variable is named, and
 * stops the cold start, as parseEnv does for the workers. An optional setting may be left empty
 * (CloudFormation cannot omit a variable).
 */
export function parseReceiverEnv(env: NodeJS.ProcessEnv): ReceiverEnv {
  const problems: string[] = [];
  const level = env.KUBEMEND_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    problems.push(`KUBEMEND_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') problems.push(`${name}: not set`);
    return value ?? '';
  };
  /** A URL setting, without the whitespace around it (as a zod url() gives it). */
  const url = (name: string, value: string | undefined): string | undefined => {
    const trimmed = value?.trim();
    if (trimmed !== undefined && trimmed !== '' && !isHttpUrl(trimmed))
      problems.push(`${name}: expected an http(s) URL`);
    return trimmed;
  };
  const optional = (name: string) => (env[name] === '' ? undefined : env[name]);
  const alerts = url('KUBEMEND_ALERT_QUEUE_URL', required('KUBEMEND_ALERT_QUEUE_URL'))!;
  const token = required('KUBEMEND_WEBHOOK_TOKEN_PARAMETER');
  const slack = optional('KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER');
  const plans = url('KUBEMEND_PLAN_QUEUE_URL', optional('KUBEMEND_PLAN_QUEUE_URL'));
  if (problems.length > 0) throw new ConfigError(`environment: ${problems.join('; ')}`);
  return {
    KUBEMEND_LOG_LEVEL: level as ReceiverEnv['KUBEMEND_LOG_LEVEL'],
    KUBEMEND_ALERT_QUEUE_URL: alerts,
    KUBEMEND_WEBHOOK_TOKEN_PARAMETER: token,
    ...(slack === undefined ? {} : { KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER: slack }),
    ...(plans === undefined ? {} : { KUBEMEND_PLAN_QUEUE_URL: plans }),
  };
}

function isHttpUrl(value: string): boolean {
  return /^https?:\/\//.test(value) && URL.canParse(value);
}
