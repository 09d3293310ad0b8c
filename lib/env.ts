import { delimiter } from 'node:path';

import * as z from 'zod';

import { formatIssue } from './alert/schema.ts';
import { ConfigError } from './errors.ts';

import { LOG_LEVELS } from './process-env.ts';

export { parseAwsEnv, processEnv, type AwsEnv } from './process-env.ts';

const LogLevelSchema = z.enum(LOG_LEVELS);
const SecretSchema = z.string().min(16, 'must be at least 16 characters');
const SecondsSchema = z.coerce.number().int().positive();
/** Optional settings a deployment may leave empty (CloudFormation cannot omit a variable). */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** Environment of the local server and CLI. */
export const LocalEnvSchema = z.object({
  KUBEMEND_WEBHOOK_TOKEN: SecretSchema.optional(),
  /** A credential `GET /metrics` and `GET /version` then ask for (Prometheus: `authorization`). */
  KUBEMEND_METRICS_TOKEN: SecretSchema.optional(),
  KUBEMEND_LOG_LEVEL: LogLevelSchema.default('info'),
  KUBEMEND_DATA_DIR: z.string().min(1).optional(),
  KUBEMEND_CONFIG: z.string().min(1).optional(),
  KUBEMEND_KUBE_CONTEXT: z.string().min(1).optional(),
  /** Who runs `kubemend approve` and `kubemend run`, for the record (default: $USER). */
  KUBEMEND_USER: z.string().min(1).optional(),
  /** Slack incoming webhook for notifications (a secret: never logged). */
  KUBEMEND_SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The Slack app's signing secret: `kubemend serve` then takes its Approve and Reject buttons on /slack/interactions. */
  KUBEMEND_SLACK_SIGNING_SECRET: SecretSchema.optional(),
  /** SNS topic for notifications. */
  KUBEMEND_SNS_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:/, 'expected an SNS topic ARN')
    .optional(),
});
export type LocalEnv = z.infer<typeof LocalEnvSchema>;

const LambdaCommon = {
  KUBEMEND_LOG_LEVEL: LogLevelSchema.default('info'),
};

const WorkerEnv = {
  ...LambdaCommon,
  KUBEMEND_TABLE_NAME: z.string().min(1),
  KUBEMEND_CONFIG_PATH: z.string().min(1),
  /** An SSM parameter holding the agent config YAML; when set it replaces the bundled file. */
  KUBEMEND_CONFIG_PARAMETER: optional(z.string().min(1)),
  /** An SSM path whose parameters each register one cluster (`<path>/<name>`), added to the config's. */
  KUBEMEND_CLUSTERS_PARAMETER_PATH: optional(
    z.string().regex(/^\/[^\s]*[^/\s]$/, 'an SSM path such as /kubemend/prod/clusters'),
  ),
  KUBEMEND_RETENTION_DAYS: SecondsSchema,
  KUBEMEND_LEASE_SECONDS: SecondsSchema,
  KUBEMEND_KUBE_TIMEOUT_SECONDS: SecondsSchema,
};

/** Where a worker sends notifications (both optional). */
const NotifyEnv = {
  /** SNS topic told about applied, refused, failed, pending-approval and suggested outcomes (optional). */
  KUBEMEND_SNS_TOPIC_ARN: optional(z.string().regex(/^arn:aws[a-z-]*:sns:/, 'expected an SNS topic ARN')),
  /** SSM SecureString holding a Slack incoming-webhook URL (optional); read once per container. */
  KUBEMEND_SLACK_WEBHOOK_PARAMETER: optional(z.string().min(1)),
};

export const DetectorEnvSchema = z.object({
  ...WorkerEnv,
  // The detector tells people of diagnoses that come with a suggested fix.
  ...NotifyEnv,
  KUBEMEND_PLAN_QUEUE_URL: z.url(),
  /** The metric models (bundled); consulted for clusters whose registry entry names a Prometheus. */
  KUBEMEND_MODEL_CONFIG_PATH: z.string().min(1).default('config/model_config.yaml'),
});
export const RemediatorEnvSchema = z.object({
  ...WorkerEnv,
  /** SSM parameter holding the kill switch (`on`/`off`), read before every write. */
  KUBEMEND_KILL_SWITCH_PARAMETER: z.string().min(1),
  /** The plan queue, where an approved fix left unfinished is handed to be finished (optional). */
  KUBEMEND_PLAN_QUEUE_URL: optional(z.url()),
  /** SSM SecureString of the Slack signing secret: it keys the receiver's proof on each queued decision (optional). */
  KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER: optional(z.string().min(1)),
  ...NotifyEnv,
});
export const AuditEnvSchema = z.object({
  ...WorkerEnv,
  KUBEMEND_MODEL_CONFIG_PATH: z.string().min(1).default('config/model_config.yaml'),
  /** At most this many objects of each kind are read per cluster; beyond it the audit resolves nothing. */
  KUBEMEND_AUDIT_MAX_PER_KIND: z.coerce.number().int().positive().default(200_000),
});

/**
 * Where kubeconfig files are, as kubectl finds them: `KUBECONFIG` (a list), else
 * `$HOME/.kube/config`, else in-cluster when `KUBERNETES_SERVICE_HOST` is set.
 */
export const KubeconfigEnvSchema = z
  .object({
    KUBECONFIG: optional(z.string()),
    HOME: optional(z.string().min(1)),
    KUBERNETES_SERVICE_HOST: optional(z.string().min(1)),
  })
  .transform((env) => ({
    files: (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== ''),
    home: env.HOME,
    inCluster: env.KUBERNETES_SERVICE_HOST !== undefined,
  }));
export type KubeconfigEnv = z.infer<typeof KubeconfigEnvSchema>;

/** Parses an environment once, at start-up; a missing or bad variable stops start-up by name. */
export function parseEnv<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv): z.infer<Schema> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(`environment: ${result.error.issues.map(formatIssue).join('; ')}`);
  }
  return result.data;
}
