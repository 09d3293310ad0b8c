import type { AwsCredentialIdentityProvider } from '@smithy/types';

import type { AgentConfig, PrometheusSource } from '../config/agent-config.ts';
import { ConfigError } from '../errors.ts';
import type { ParameterStore } from '../secrets/parameters.ts';
import { createPrometheusClient, type PrometheusAuth, type PrometheusClient } from './client.ts';

/** Where a Prometheus source's secret refs are read. */
export interface PrometheusSecrets {
  /** For `env` secrets: the environment (createEnvParameterStore). */
  env: ParameterStore;
  /** For `ssmParameter` secrets (AWS): SSM, whose store keeps each value in memory only. */
  ssm?: ParameterStore;
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
  return async () => {
    if (ref.env !== undefined) {
      const value = await secrets.env.get(ref.env);
      if (value === undefined) throw new ConfigError(`environment variable ${ref.env} is not set`);
      return value;
    }
    const name = ref.ssmParameter ?? '';
    if (secrets.ssm === undefined) throw new ConfigError(`no SSM client to read ${name}`);
    const value = await secrets.ssm.get(name);
    if (value === undefined) throw new ConfigError(`SSM parameter ${name} has no value`);
    return value;
  };
}
