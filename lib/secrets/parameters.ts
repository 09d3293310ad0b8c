import { createAwsJsonClient, type AwsJsonClient } from '../aws/json-protocol.ts';
import type { AwsEnv } from '../env.ts';
import { AwsServiceError } from '../errors.ts';

/**
 * Named values kept outside the code: credentials (the webhook token, a Slack webhook URL,
 * Prometheus passwords), the agent config, the kill switch. One adapter per place they live:
 * SSM Parameter Store in AWS, the environment locally.
 *
 * @example
 * const token = await parameters.get('/kubemend/prod/webhook-token');
 * const killSwitch = await parameters.get('/kubemend/prod/kill-switch', { maxAgeMs: 30_000 });
 */
export interface ParameterStore {
  /**
   * The value of `name` (SecureStrings decrypted); undefined when there is no such parameter or
   * it has no value. A value read is kept for the life of the process, or `maxAgeMs` when it may
   * change (a switch); a failure or a missing parameter is asked for again next time.
   */
  get(name: string, options?: { maxAgeMs?: number }): Promise<string | undefined>;
}

/** The SSM client over the AWS JSON protocol (`AWS_ENDPOINT_URL_SSM` overrides its endpoint). */
export function ssmClient(aws: AwsEnv): AwsJsonClient {
  return createAwsJsonClient({ service: 'ssm', jsonVersion: '1.1', aws });
}

/**
 * Parameters in SSM Parameter Store, read with `GetParameter` (decrypted) through the AWS JSON
 * client, which retries throttling, 5xx and network failures. Concurrent reads of one name share
 * one request. `ParameterNotFound` reads as undefined; other errors are thrown as the service
 * names them.
 */
export function createSsmParameterStore(client: AwsJsonClient, options: { clock?: () => number } = {}): ParameterStore {
  const clock = options.clock ?? Date.now;
  return memoised(clock, async (name) => {
    try {
      const answer = await client.call<{ Parameter?: { Value?: string } }>('AmazonSSM.GetParameter', {
        Name: name,
        WithDecryption: true,
      });
      return answer.Parameter?.Value;
    } catch (error) {
      if (error instanceof AwsServiceError && error.name === 'ParameterNotFound') return undefined;
      throw error;
    }
  });
}

/**
 * Every parameter directly under `path` (GetParametersByPath, one level, decrypted), by name, all
 * pages of it: a registry kept as one parameter per entry, so that it grows past what one
 * parameter holds (8 KB) and an entry changes without touching the others.
 */
export async function listSsmParameters(
  client: AwsJsonClient,
  path: string,
): Promise<{ name: string; value: string }[]> {
  const found: { name: string; value: string }[] = [];
  let next: string | undefined;
  do {
    const page = await client.call<{ Parameters?: { Name?: string; Value?: string }[]; NextToken?: string }>(
      'AmazonSSM.GetParametersByPath',
      {
        Path: path,
        Recursive: false,
        WithDecryption: true,
        MaxResults: 10,
        ...(next === undefined ? {} : { NextToken: next }),
      },
    );
    for (const parameter of page.Parameters ?? []) {
      if (parameter.Name !== undefined && parameter.Value !== undefined) {
        found.push({ name: parameter.Name, value: parameter.Value });
      }
    }
    next = page.NextToken;
  } while (next !== undefined && next !== '');
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Parameters from environment variables (the local runtime's `env:` secret refs): the variable's
 * value, undefined when it is unset or empty. The environment is read as given, at each call.
 */
export function createEnvParameterStore(env: Readonly<Record<string, string | undefined>>): ParameterStore {
  return {
    get: async (name) => {
      const value = env[name];
      return value === undefined || value === '' ? undefined : value;
    },
  };
}

/** `read` behind a per-name cache of values (never of failures or missing parameters). */
function memoised(clock: () => number, read: (name: string) => Promise<string | undefined>): ParameterStore {
  const cache = new Map<string, { at: number; value: Promise<string | undefined> }>();
  return {
    get: (name, options = {}) => {
      const cached = cache.get(name);
      if (cached !== undefined && (options.maxAgeMs === undefined || clock() - cached.at < options.maxAgeMs)) {
        return cached.value;
      }
      const entry = { at: clock(), value: read(name) };
      cache.set(name, entry);
      const forget = () => {
        // Only this read: a newer one may have replaced it meanwhile.
        if (cache.get(name) === entry) cache.delete(name);
      };
      void entry.value.then((value) => {
        if (value === undefined) forget();
      }, forget);
      return entry.value;
    },
  };
}
