import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { createDynamoFindingsStore } from '../audit/dynamodb-findings-store.ts';
import type { AuditReport, FindingsStore } from '../audit/findings-store.ts';
import { scanCluster } from '../audit/scan.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { loadFunctionConfig } from './config-source.ts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { forecastFindings } from '../audit/forecast.ts';
import { metricsSources, type MetricsSource } from '../models/consult.ts';
import { loadModelConfig } from '../models/model-config.ts';
import { prometheusFor } from '../prometheus/registry.ts';
import { AuditEnvSchema, AwsEnvSchema, KubeconfigEnvSchema, parseEnv } from '../env.ts';
import { describeError } from '../errors.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import { createRegistryProvider } from '../kube/registry-provider.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createEnvParameterStore, createSsmParameterStore, ssmClient } from '../secrets/parameters.ts';

export interface AuditDeps {
  config: AgentConfig;
  /** The cluster's Prometheus and models, for forecasts of what will fill. */
  metricsFor?: (cluster: string | undefined) => MetricsSource | undefined;
  kube: KubeProvider;
  store: FindingsStore;
  logger: Logger;
  clock: () => Date;
  /** At most this many objects of each kind are read per cluster. */
  maxPerKind?: number;
}

/** The scheduled audit's dependencies, built once per container from its environment. */
export async function createAuditDeps(env: NodeJS.ProcessEnv): Promise<AuditDeps> {
  const vars = parseEnv(AuditEnvSchema, env);
  const parameters = createSsmParameterStore(ssmClient(parseEnv(AwsEnvSchema, env)));
  const config = await loadFunctionConfig(vars, parameters);
  return {
    config,
    kube: createRegistryProvider(config, {
      identity: 'detector',
      timeoutMs: vars.KUBEMEND_KUBE_TIMEOUT_SECONDS * 1000,
      kubeconfig: parseEnv(KubeconfigEnvSchema, env),
    }),
    store: createDynamoFindingsStore(new DynamoDBClient({}), {
      tableName: vars.KUBEMEND_TABLE_NAME,
      retentionDays: vars.KUBEMEND_RETENTION_DAYS,
    }),
    logger: createLogger({ level: vars.KUBEMEND_LOG_LEVEL, name: 'kubemend-audit' }),
    metricsFor: metricsSources(
      (cluster) =>
        prometheusFor(config, cluster, {
          env: createEnvParameterStore(env),
          ssm: parameters,
          credentials: defaultProvider(),
        }),
      loadModelConfig(vars.KUBEMEND_MODEL_CONFIG_PATH),
    ),
    clock: () => new Date(),
    maxPerKind: vars.KUBEMEND_AUDIT_MAX_PER_KIND,
  };
}

/**
 * Audits every cluster in the registry (or the one kubeconfig cluster), two at a time; a cluster
 * that fails is logged and the others still run. Fails at the end if any cluster failed, so the
 * schedule's retry policy and alarms see it.
 */
export async function auditAllClusters(deps: AuditDeps): Promise<AuditReport[]> {
  const names = deps.config.clusters.length === 0 ? [undefined] : deps.config.clusters.map((cluster) => cluster.name);
  const reports: AuditReport[] = [];
  const failures: string[] = [];
  for (let start = 0; start < names.length; start += 2) {
    const settled = await Promise.allSettled(
      names.slice(start, start + 2).map(async (name) => {
        const kube = await deps.kube(name);
        const truncated: string[] = [];
        const findings = await scanCluster(kube, {
          now: deps.clock(),
          maxPerKind: deps.maxPerKind,
          onTruncated: (kind, max) => truncated.push(`${kind} (first ${max})`),
        });
        if (truncated.length > 0) {
          deps.logger.warn({ cluster: kube.cluster, truncated }, 'audit did not read every object; nothing resolved');
        }
        const metrics = deps.metricsFor?.(name);
        if (metrics !== undefined) findings.push(...(await forecastFindings(metrics, deps.clock())));
        return deps.store.record(kube.cluster, findings, deps.clock(), { complete: truncated.length === 0 });
      }),
    );
    settled.forEach((result, index) => {
      const name = names[start + index] ?? 'kubeconfig';
      if (result.status === 'fulfilled') {
        reports.push(result.value);
        deps.logger.info(
          {
            cluster: result.value.cluster,
            new: result.value.new.length,
            open: result.value.open.length,
            resolved: result.value.resolved.length,
          },
          'audit recorded',
        );
      } else {
        failures.push(`${name}: ${describeError(result.reason).message}`);
        deps.logger.error({ cluster: name, error: describeError(result.reason) }, 'audit failed');
      }
    });
  }
  if (failures.length > 0) throw new Error(`audit failed for ${failures.length} cluster(s): ${failures.join('; ')}`);
  return reports;
}
