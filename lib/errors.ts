/**
 * One base class for every error kubemend raises on purpose. `code` is stable and safe to show
 * to a caller or store in an outcome; `message` says what went wrong in words; `cause` keeps the
 * underlying error for logs.
 */
export class KubemendError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input from outside (a webhook body, a CLI argument, a config file) that will never be valid as sent. */
export class ValidationError extends KubemendError {
  readonly issues: readonly string[];

  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super('invalid_input', message, options);
    this.issues = issues;
  }
}

/** The caller did not present the webhook credential. */
export class UnauthorizedError extends KubemendError {
  constructor(message = 'missing or wrong credentials') {
    super('unauthorized', message);
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
    super('cluster_unreachable', message, options);
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
  if (error instanceof ClusterUnreachableError) return true;
  if (error instanceof KubemendError || typeof error !== 'object' || error === null) return false;
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

/** A safe, one-line description of any thrown value, for outcomes and logs. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof KubemendError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'internal_error', message: error.message };
  return { code: 'internal_error', message: String(error) };
}
