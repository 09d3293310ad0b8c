import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { backoffMs, DEFAULT_RETRY, parseRetryAfter, retryable, withRetries } from '../../../lib/http/retry.ts';

describe('retrying HTTP calls', () => {
  it('repeats reads and repeatable patches on 429, throttling, 5xx and network failures, never on other 4xx', () => {
    expect(retryable({ status: 429 }, true)).toBe(true);
    expect(retryable({ status: 400, throttled: true }, true)).toBe(true);
    expect(retryable({ status: 500 }, true)).toBe(true);
    expect(retryable({ status: 503 }, true)).toBe(true);
    expect(retryable({ network: 'ECONNRESET' }, true)).toBe(true);
    expect(retryable({ network: 'ETIMEDOUT' }, true)).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 422]) expect(retryable({ status }, true)).toBe(false);
    expect(retryable({}, true)).toBe(false);
  });

  it('repeats other writes only when the request surely did not take effect', () => {
    expect(retryable({ status: 429 }, false)).toBe(true);
    expect(retryable({ status: 400, throttled: true }, false)).toBe(true);
    expect(retryable({ network: 'ECONNREFUSED' }, false)).toBe(true);
    expect(retryable({ status: 500 }, false)).toBe(false);
    expect(retryable({ status: 503 }, false)).toBe(false);
    expect(retryable({ network: 'ECONNRESET' }, false)).toBe(false);
    expect(retryable({ network: 'ETIMEDOUT' }, false)).toBe(false);
  });

  it('waits a random time below a ceiling that doubles per retry up to the cap', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.nat(20), (random, retry) => {
        const wait = backoffMs({ ...DEFAULT_RETRY, random: () => random }, retry, { status: 503 });
        const ceiling = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** retry);
        return wait >= 0 && wait < ceiling + 1e-9 && Math.abs(wait - random * ceiling) < 1e-6;
      }),
    );
  });

  it('honours Retry-After on a 429, capped, with a little jitter on top', () => {
    const policy = { ...DEFAULT_RETRY, random: () => 0.5 };
    expect(backoffMs(policy, 0, { status: 429, retryAfterSeconds: 1 })).toBe(1_000 + 100);
    expect(backoffMs(policy, 0, { status: 429, retryAfterSeconds: 3_600 })).toBe(DEFAULT_RETRY.maxRetryAfterMs + 100);
    expect(backoffMs(policy, 0, { status: 429 })).toBe(100);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-27T07:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2);
    expect(parseRetryAfter('Fri, 27 Nov 2026 07:00:05 GMT', now)).toBe(5);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('stops after its attempts and rethrows the last failure', async () => {
    const waits: number[] = [];
    let made = 0;
    const failure = withRetries(
      { ...DEFAULT_RETRY, sleep: async (ms) => void waits.push(ms) },
      true,
      () => ({ status: 503 }),
      async (attempt) => {
        made = attempt;
        throw new Error(`attempt ${attempt} failed`);
      },
    );

    await expect(failure).rejects.toThrow('attempt 4 failed');
    expect(made).toBe(DEFAULT_RETRY.attempts);
    expect(waits).toHaveLength(DEFAULT_RETRY.attempts - 1);
  });
});
