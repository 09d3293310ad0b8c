import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

import type { AgentConfig, PrometheusSource } from '../config/agent-config.ts';
import { ConfigError } from '../errors.ts';
import { createPrometheusClient, type PrometheusAuth, type PrometheusClient } from './client.ts';

export interface PrometheusSecrets {
  env: NodeJS.ProcessEnv;
  /** For `ssmParameter` secrets (AWS); read once per client, kept in memory only. */
  ssm?: () => SSMClient;
  /** For `sigv4`: the function's credentials (the SDK's default chain). */
  credentials?: AwsCredentialIdentityProvider;
}

/**
 * The Prometheus client for the cluster an alert names: the cluster's own `prometheus`, else the
 * top-level one, else undefined (the models are then skipped, and the diagnosis says so).
 */
export function prometheusFor(
  config: AgentConfig,
  cluster: string | undefined,
  secrets: PrometheusSecrets,
): PrometheusClient | undefined {
  const entry = config.clusters.find((c) => c.name === cluster);
  const source = entry?.prometheus ?? config.prometheus;
  return source === undefined ? undefined : clientFor(source, secrets);
}

function clientFor(source: PrometheusSource, secrets: PrometheusSecrets): PrometheusClient {
  return createPrometheusClient({
    url: source.url,
    auth: authFor(source, secrets),
    timeoutMs: source.timeoutSeconds * 1000,
    maxSeries: source.maxSeries,
    maxPoints: source.maxPoints,
  });
}

function authFor(source: PrometheusSource, secrets: PrometheusSecrets): PrometheusAuth {
  const auth = source.auth;
  switch (auth.type) {
    case 'none':
      return { type: 'none' };
    case 'bearer':
      return { type: 'bearer', token: secretReader(auth.token, secrets) };
    case 'basic':
      return { type: 'basic', username: auth.username, password: secretReader(auth.password, secrets) };
    case 'sigv4':
      if (secrets.credentials === undefined) throw new ConfigError('sigv4 for Prometheus needs AWS credentials');
      return { type: 'sigv4', region: auth.region, credentials: secrets.credentials };
  }
}

function secretReader(ref: { env?: string; ssmParameter?: string }, secrets: PrometheusSecrets): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= (async () => {
      if (ref.env !== undefined) {
        const value = secrets.env[ref.env];
        if (value === undefined || value === '') throw new ConfigError(`environment variable ${ref.env} is not set`);
        return value;
      }
      if (secrets.ssm === undefined) throw new ConfigError(`no SSM client to read ${ref.ssmParameter ?? ''}`);
      const answer = await secrets
        .ssm()
        .send(new GetParameterCommand({ Name: ref.ssmParameter, WithDecryption: true }));
      const value = answer.Parameter?.Value;
      if (value === undefined) throw new ConfigError(`SSM parameter ${ref.ssmParameter ?? ''} has no value`);
      return value;
    })().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}
