/**
 * Bounded retries for HTTP calls (the Kubernetes API, the AWS JSON protocol): exponential backoff
 * with full jitter, and a 429's Retry-After honoured (capped). Which failures are retried depends
 * on whether repeating the request is safe:
 *
 * - reads, and writes whose repetition changes nothing (a strategic merge patch of fixed values),
 *   are retried on 429, throttling, 5xx and network failures;
 * - other writes (create, delete, evict, a JSON patch with a `test`) only when the request surely
 *   did not take effect: a 429 or a throttling error (rejected before it is processed) or a
 *   refused connection. After a reset or a timeout the write may or may not have landed; that is
 *   for the caller to settle.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Backoff before retry n (0-based) is random in [0, min(maxDelayMs, baseDelayMs * 2^n)]. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is cut to it (the caller has a deadline too). */
  maxRetryAfterMs: number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 3_000,
  maxRetryAfterMs: 5_000,
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** How one failed attempt looks to the retry loop. */
export interface FailedAttempt {
  /** HTTP status, when the server answered. */
  status?: number;
  /** Retry-After in seconds, when the server sent one. */
  retryAfterSeconds?: number;
  /**
   * The server turned the request away to slow the caller down without processing it, with
   * another status than 429 (AWS services answer `ThrottlingException` with a 400).
   */
  throttled?: boolean;
  /** A network error code (ECONNREFUSED, ECONNRESET, a timeout…), when it did not answer. */
  network?: string;
}

/** Connection failures where the request never reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Whether a failed attempt may be repeated; `idempotent` says whether repeating the request is harmless. */
export function retryable(failed: FailedAttempt, idempotent: boolean): boolean {
  if (failed.status === 429 || failed.throttled === true) return true;
  if (failed.network !== undefined && NOT_SENT.has(failed.network)) return true;
  if (!idempotent) return false;
  if (failed.status !== undefined) return failed.status >= 500;
  return failed.network !== undefined;
}

/** The wait before retry `retry` (0 = the first retry). */
export function backoffMs(policy: RetryPolicy, retry: number, failed: FailedAttempt): number {
  const jittered = policy.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  if (failed.status === 429 && failed.retryAfterSeconds !== undefined && failed.retryAfterSeconds > 0) {
    // The server said when; a little jitter keeps many clients from coming back in step.
    return Math.min(policy.maxRetryAfterMs, failed.retryAfterSeconds * 1000) + policy.random() * policy.baseDelayMs;
  }
  return jittered;
}

/**
 * Runs `attempt` (given its 1-based number) until it succeeds, fails in a way not worth
 * repeating, or runs out of attempts; then rethrows the last error. `inspect` reads a failure.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  idempotent: boolean,
  inspect: (error: unknown) => FailedAttempt,
  attempt: (made: number) => Promise<T>,
): Promise<T> {
  for (let made = 1; ; made += 1) {
    try {
      return await attempt(made);
    } catch (error) {
      const failed = inspect(error);
      if (made >= policy.attempts || !retryable(failed, idempotent)) throw error;
      await policy.sleep(backoffMs(policy, made - 1, failed));
    }
  }
}

/** Retry-After as seconds (the delta form; an HTTP date is read as well). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}
