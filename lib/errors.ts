/**
 * Every stable error code kubemend uses. Closed: a new code is added here, so outcome records,
 * logs and HTTP answers only ever carry one of these.
 */
export const ERROR_CODES = [
  'invalid_input',
  'invalid_alert',
  'invalid_message',
  'unauthorized',
  'payload_too_large',
  'config_error',
  'not_found',
  'conflict',
  'disruption_budget',
  'forbidden',
  'cluster_unreachable',
  'cluster_unknown',
  'already_claimed',
  'unfinished',
  'lease_lost',
  'prometheus_query',
  'prometheus_unreachable',
  'assume_role_failed',
  'notification_failed',
  'queue_send_failed',
  'listen_failed',
  'data_dir_in_use',
  'aws_service_error',
  'kube_api_error',
  'http_timeout',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

interface ErrorOptions {
  cause?: unknown;
  /** The HTTP status a client sees when this error ends a request (undefined: 500, no detail). */
  status?: number;
  /** Whether trying again later may succeed (see isTransient). */
  transient?: boolean;
}

/**
 * One base class for every error kubemend raises on purpose. `code` is stable and safe to show
 * to a caller or store in an outcome; `message` says what went wrong in words; `cause` keeps the
 * underlying error for logs. `status` is set on errors a client may see (a 4xx that says what was
 * wrong with its input); `transient` on failures worth retrying.
 *
 * @example
 * throw new NotFoundError(`get pod ${namespace}/${name}: pods "${name}" not found`, { cause: error });
 */
export class KubemendError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status;
    this.transient = options.transient ?? false;
  }
}

/** Input from outside (a webhook body, a CLI argument, a config file) that will never be valid as sent. */
export class ValidationError extends KubemendError {
  readonly issues: readonly string[];

  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super('invalid_input', message, { ...options, status: 400 });
    this.issues = issues;
  }
}

/** An alert that lacks what its detector needs (a label naming the object): nothing to diagnose. */
export class AlertLabelError extends KubemendError {
  constructor(message: string) {
    super('invalid_alert', message);
  }
}

/** A queue message that does not match its schema (it will never be valid; it is dead-lettered). */
export class MessageError extends KubemendError {
  constructor(message: string) {
    super('invalid_message', message);
  }
}

/** The caller did not present the webhook credential. */
export class UnauthorizedError extends KubemendError {
  constructor(message = 'missing or wrong credentials') {
    super('unauthorized', message, { status: 401 });
  }
}

/** A request body over the size limit. */
export class PayloadTooLargeError extends KubemendError {
  constructor(limit: number) {
    super('payload_too_large', `request body exceeds ${limit} bytes`, { status: 413 });
  }
}

/** Configuration or environment that prevents start-up. */
export class ConfigError extends KubemendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config_error', message, options);
  }
}

/** A Kubernetes object that the API server says does not exist. */
export class NotFoundError extends KubemendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_found', message, options);
  }
}

/** The API server refused a write because the object changed since it was read (409). */
export class ConflictError extends KubemendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', message, options);
  }
}

/** An eviction the PodDisruptionBudget does not allow now (429 from the Eviction API). */
export class DisruptionBudgetError extends KubemendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('disruption_budget', message, options);
  }
}

/** RBAC denied the request (403). */
export class ForbiddenError extends KubemendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('forbidden', message, options);
  }
}

/** No cluster could be reached: no context configured, DNS, refused connection, TLS or timeout. */
export class ClusterUnreachableError extends KubemendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('cluster_unreachable', message, { ...options, transient: true });
  }
}

/** The alert names a cluster the registry does not know (or none, with no default). */
export class ClusterUnknownError extends KubemendError {
  constructor(message: string) {
    super('cluster_unknown', message);
  }
}

/** Another worker holds the alert instance, or it was already processed. */
export class AlreadyClaimedError extends KubemendError {
  constructor(message: string) {
    super('already_claimed', message);
  }
}

/**
 * A fix whose write may have landed, or landed and was not yet verified, when the cluster or the
 * store failed: the record is left in flight (`applying` or `verifying`) for the queue's retry or
 * the alert's next notification to finish, verify or undo. Retry it; never record it as final.
 */
export class UnfinishedError extends KubemendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unfinished', message, options);
  }
}

/** The holder's write lost to a takeover: another worker claimed the record since. */
export class LeaseLostError extends KubemendError {
  constructor(id: string) {
    super('lease_lost', `another worker took over alert instance ${id}`);
  }
}

/** Prometheus answered, but with an error (bad PromQL, too many samples, timeout on its side). */
export class PrometheusQueryError extends KubemendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('prometheus_query', message, options);
  }
}

/** Prometheus could not be reached or answered with something that is not its API. */
export class PrometheusUnreachableError extends KubemendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('prometheus_unreachable', message, options);
  }
}

/** Error types AWS services answer with that mean "slow down", which the SDK retries too. */
const AWS_THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/**
 * An error answer from an AWS service reached through the signed JSON client. `name` is the
 * service's error type (`ParameterNotFound`, `ThrottlingException`), as the SDK names its
 * exceptions, so code that tests `error.name` works with either.
 */
export class AwsServiceError extends KubemendError {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; attempts: number };

  constructor(type: string, message: string, status: number, attempts: number) {
    super('aws_service_error', message, {
      transient: status >= 500 || status === 429 || AWS_THROTTLING.has(type),
    });
    this.name = type;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, attempts };
  }
}

/** An answer of the Kubernetes API server outside 2xx that no domain error above describes. */
export class KubeApiError extends KubemendError {
  /** The HTTP status. */
  readonly statusCode: number;
  /** The answer's body, as text. */
  readonly body: string;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, message: string, body: string, headers: Record<string, string>) {
    super('kube_api_error', `HTTP ${statusCode}: ${message}`);
    this.statusCode = statusCode;
    this.body = body;
    this.headers = headers;
  }
}

/**
 * An HTTP server (the Kubernetes API, an AWS endpoint) that did not answer one attempt within its
 * time; the request was aborted, and may or may not have taken effect. The adapters above the
 * transport say which server and what for (a Kubernetes call reports ClusterUnreachableError).
 */
export class HttpTimeoutError extends KubemendError {
  /** The server's origin (`https://host:port`). */
  readonly origin: string;
  readonly timeoutMs: number;

  constructor(origin: string, timeoutMs: number) {
    super('http_timeout', `${origin} did not answer within ${timeoutMs} ms`, { transient: true });
    this.origin = origin;
    this.timeoutMs = timeoutMs;
  }
}

/** SDK error names (from outside kubemend) that mean a passing failure. */
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/**
 * Whether a failure may pass if tried again later: the cluster unreachable, overloaded or failing,
 * or the store throttled, failing or unreachable (AWS SDK errors, after the SDK's own retries).
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof KubemendError) return error.transient;
  if (typeof error !== 'object' || error === null) return false;
  const { name, $retryable, $metadata, code } = error as {
    name?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    code?: unknown;
  };
  if ($retryable !== undefined && $retryable !== null) return true;
  if (typeof name === 'string' && TRANSIENT_NAMES.has(name)) return true;
  const status = $metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  return typeof code === 'string' && /^(ECONN|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR)/.test(code);
}

/** A safe, one-line description of any thrown value, for outcome records (never a stack). */
export function describeError(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof KubemendError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'internal_error', message: error.message };
  return { code: 'internal_error', message: String(error) };
}

// The bundles are minified without esbuild's keepNames (which wraps every function of every
// package in a naming call at load: about 5% of a worker's cold start), so each error class is
// named here, once: `name` on its errors and the class's own name (pino logs it as `type`).
for (const [name, type] of Object.entries({
  KubemendError,
  ValidationError,
  AlertLabelError,
  MessageError,
  UnauthorizedError,
  PayloadTooLargeError,
  ConfigError,
  NotFoundError,
  ConflictError,
  DisruptionBudgetError,
  ForbiddenError,
  ClusterUnreachableError,
  ClusterUnknownError,
  AlreadyClaimedError,
  UnfinishedError,
  LeaseLostError,
  PrometheusQueryError,
  PrometheusUnreachableError,
  AwsServiceError,
  KubeApiError,
  HttpTimeoutError,
})) {
  Object.defineProperty(type, 'name', { value: name });
}
