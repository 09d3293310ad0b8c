import type { AnyDetector } from '../detect/detector.ts';
import { detectors as registeredDetectors } from '../detect/registry.ts';
import type { Permission } from '../domain/permission.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import { KINDS, type Kind, type KindObjects } from '../kube/kinds.ts';
import { createListing } from '../kube/listing.ts';
import type { AuditCheck } from './checks/check.ts';
import { auditChecks } from './checks/registry.ts';
import { findingOf, type Finding } from './finding.ts';

/** The units an audit runs: every detector that can judge listed objects, and the audit-only checks. */
export interface AuditUnits {
  detectors: readonly AnyDetector[];
  checks: readonly AuditCheck[];
}

export const AUDIT_UNITS: AuditUnits = { detectors: registeredDetectors, checks: auditChecks };

export interface ScanOptions {
  /** Only these namespaces (all when empty). */
  namespaces?: readonly string[];
  now: Date;
  /** At most this many objects of each kind are read (memory stays bounded). */
  maxPerKind?: number;
  /** Told of each kind that had more objects than `maxPerKind`: the audit did not see them all. */
  onTruncated?: (kind: Kind, max: number) => void;
  onProgress?: (step: string, done: number, total: number) => void;
  units?: AuditUnits;
}

/**
 * Objects of each kind an audit reads by default. `npm run bench:audit-scale` measured the audit
 * function at 10,000 pods reading every object: 284 MiB peak RSS (187 MiB with V8's heap capped at
 * 128 MiB); the function has 1,024 MB.
 */
export const DEFAULT_MAX_PER_KIND = 20_000;

/** Diagnoses that say nothing is wrong, unless the detector is sure. */
const BENIGN = new Set(['recovered', 'gone', 'rollout-converging', 'replicas-mismatch']);

/** The kinds the units list, each once, in a stable order (the kind table's). */
export function auditKinds(units: AuditUnits = AUDIT_UNITS): Kind[] {
  const wanted = new Set<Kind>([
    ...units.detectors.flatMap((detector) => detector.audit?.lists ?? []),
    ...units.checks.flatMap((check) => check.lists),
  ]);
  return (Object.keys(KINDS) as Kind[]).filter((kind) => wanted.has(kind));
}

/** What an audit reads, cluster-wide: part of the detector identity's read-only RBAC. */
export function auditReads(units: AuditUnits = AUDIT_UNITS): Permission[] {
  return [
    ...auditKinds(units).map((kind) => {
      const { apiVersion, resource } = KINDS[kind];
      return { apiGroup: apiVersion.includes('/') ? apiVersion.split('/')[0]! : '', resource, verbs: ['list'] };
    }),
    ...units.checks.flatMap((check) => check.reads ?? []),
  ];
}

/**
 * Scans a cluster without an alert: lists each kind the units need once (paginated, bounded),
 * asks every detector that declares an audit which listed objects look unhealthy and diagnoses
 * them with its own pure `diagnose`, then runs the audit-only checks. Pods owned by a workload
 * are reported once, through the workload.
 */
export async function scanCluster(kube: KubeApi, options: ScanOptions): Promise<Finding[]> {
  const units = options.units ?? AUDIT_UNITS;
  const max = options.maxPerKind ?? DEFAULT_MAX_PER_KIND;
  const kinds = auditKinds(units);
  const listed: Partial<{ [K in Kind]: KindObjects[K][] }> = {};
  for (const [index, kind] of kinds.entries()) {
    options.onProgress?.(kind, index, kinds.length);
    const items = await kube.list(kind, { max });
    if (items.length >= max) options.onTruncated?.(kind, max);
    (listed as Record<Kind, unknown[]>)[kind] = inScope(items, options.namespaces);
  }
  options.onProgress?.('diagnose', kinds.length, kinds.length);
  const listing = createListing(listed);
  const findings: Finding[] = [];
  for (const detector of units.detectors) {
    if (detector.audit === undefined) continue;
    for (const snapshot of detector.audit.snapshots(listing, options.now)) {
      const diagnosis = detector.diagnose(snapshot, options.now);
      if (BENIGN.has(diagnosis.anomaly) && diagnosis.confidence < 0.5) continue;
      findings.push(findingOf(diagnosis));
    }
  }
  for (const check of units.checks) findings.push(...(await check.check(listing, { kube, now: options.now })));
  return findings.sort((a, b) => a.key.localeCompare(b.key));
}

function inScope<T extends { metadata?: { namespace?: string } }>(
  items: T[],
  namespaces: readonly string[] | undefined,
): T[] {
  if (namespaces === undefined || namespaces.length === 0) return items;
  return items.filter((item) => item.metadata?.namespace === undefined || namespaces.includes(item.metadata.namespace));
}
