import type { Logger } from 'pino';

import type { AuditReport, FindingsStore } from '../audit/findings-store.ts';
import { forecastFindings } from '../audit/forecast.ts';
import { scanCluster, type ScanOptions } from '../audit/scan.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { describeError, KubemendError } from '../errors.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import type { Kind } from '../kube/kinds.ts';
import type { MetricsSource } from '../models/consult.ts';

export interface AuditDeps {
  config: AgentConfig;
  kube: KubeProvider;
  findings: FindingsStore;
  /** The cluster's Prometheus and models, for forecasts of what will fill. */
  metricsFor: (cluster: string | undefined) => MetricsSource | undefined;
  logger: Logger;
  clock: () => Date;
}

export interface AuditOptions {
  /** The registry entries to audit (every registered cluster, or the kubeconfig one, when undefined). */
  clusters?: readonly (string | undefined)[];
  namespaces?: readonly string[];
  maxPerKind?: number;
  /** Told of each kind cut short at `maxPerKind` (nothing is marked resolved then). */
  onTruncated?: (cluster: string, kind: Kind, max: number) => void;
  onProgress?: ScanOptions['onProgress'];
}

/** Clusters audited at once. */
const CONCURRENCY = 2;

/**
 * Audits clusters two at a time: each is scanned (lib/audit/scan.ts), forecast from its metrics
 * where it has a Prometheus, and recorded, so the report says what is new, still open and
 * resolved. A cluster that fails is logged and the others still run; the audit fails at the end
 * if any cluster failed, so a schedule's retries and alarms see it.
 */
export async function auditClusters(deps: AuditDeps, options: AuditOptions): Promise<AuditReport[]> {
  const names =
    options.clusters ?? (deps.config.clusters.length === 0 ? [undefined] : deps.config.clusters.map((c) => c.name));
  const reports: AuditReport[] = [];
  const failures: string[] = [];
  for (let start = 0; start < names.length; start += CONCURRENCY) {
    const batch = names.slice(start, start + CONCURRENCY);
    const settled = await Promise.allSettled(batch.map((name) => auditOne(deps, options, name)));
    settled.forEach((result, index) => {
      const name = batch[index] ?? 'kubeconfig';
      if (result.status === 'fulfilled') {
        reports.push(result.value);
        const { cluster, new: found, open, resolved } = result.value;
        deps.logger.info(
          { cluster, new: found.length, open: open.length, resolved: resolved.length },
          'audit recorded',
        );
      } else {
        failures.push(`${name}: ${describeError(result.reason).message}`);
        deps.logger.error({ cluster: name, err: result.reason }, 'audit failed');
      }
    });
  }
  if (failures.length > 0) {
    throw new KubemendError('internal_error', `audit failed for ${failures.length} cluster(s): ${failures.join('; ')}`);
  }
  return reports;
}

async function auditOne(deps: AuditDeps, options: AuditOptions, name: string | undefined): Promise<AuditReport> {
  const kube = await deps.kube(name);
  const truncated: string[] = [];
  const findings = await scanCluster(kube, {
    now: deps.clock(),
    ...(options.namespaces === undefined ? {} : { namespaces: options.namespaces }),
    ...(options.maxPerKind === undefined ? {} : { maxPerKind: options.maxPerKind }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    onTruncated: (kind, max) => {
      truncated.push(`${kind} (first ${max})`);
      options.onTruncated?.(kube.cluster, kind, max);
    },
  });
  if (truncated.length > 0) {
    deps.logger.warn({ cluster: kube.cluster, truncated }, 'audit did not read every object; nothing resolved');
  }
  const metrics = deps.metricsFor(name);
  if (metrics !== undefined) findings.push(...(await forecastFindings(metrics, deps.clock())));
  return deps.findings.record(kube.cluster, findings, deps.clock(), { complete: truncated.length === 0 });
}
