import type { V1Node } from '@kubernetes/client-node';

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
  /** Told, after each kind, how many objects were read and how many some unit kept to judge. */
  onListed?: (kind: Kind, read: number, kept: number) => void;
  units?: AuditUnits;
}

/**
 * Objects of each kind an audit reads by default: a bound on its time, not its memory, which the
 * streaming keeps flat (`npm run bench:audit-scale` runs the function against 100,000 simulated
 * pods). Twice the largest cluster measured.
 */
export const DEFAULT_MAX_PER_KIND = 200_000;

/**
 * Parts of kept objects that no unit reads, dropped as they are kept so that what an audit holds
 * stays small: a node's list of the images it holds (the kubelet reports up to 50, each with its
 * digests and tags), most of a node's size.
 */
function dropUnread(kind: Kind, object: unknown): void {
  if (kind === 'Node') delete (object as V1Node).status?.images;
}

/**
 * Objects an audit asks for per request. Smaller pages than the API's usual 500 keep what each
 * page leaves for the garbage collector small: `npm run bench:audit-scale` measured the packaged
 * function at 100,000 simulated pods.
 */
export const PAGE_SIZE = 100;

/** Diagnoses that say nothing is wrong, unless the detector is sure. */
const BENIGN = new Set(['recovered', 'gone', 'rollout-converging', 'replicas-mismatch']);

/**
 * The order an audit streams kinds in: each after the kinds whose kept objects decide what of it
 * is kept — storage classes before the StatefulSets that claim them, HPAs before their targets,
 * Deployments before their ReplicaSets, StatefulSets before their Services, nodes and every
 * workload before pods.
 */
export const STREAM_ORDER: readonly Kind[] = [
  'StorageClass',
  'Node',
  'HorizontalPodAutoscaler',
  'ResourceQuota',
  'PodDisruptionBudget',
  'CronJob',
  'Job',
  'StatefulSet',
  'DaemonSet',
  'Deployment',
  'ReplicaSet',
  'Service',
  'PersistentVolumeClaim',
  'Pod',
  'Event',
];

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
 * Scans a cluster without an alert. Each kind the units need is read once, page by page, and
 * each object is kept only if some unit's `keeps` wants it (what looks unhealthy and what judging
 * it reads), so the audit holds one page and the problems, not the cluster. Then every detector
 * that declares an audit diagnoses what it kept with its own pure `diagnose`, and the audit-only
 * checks run. Pods owned by a workload are reported once, through the workload.
 */
export async function scanCluster(kube: KubeApi, options: ScanOptions): Promise<Finding[]> {
  const units = options.units ?? AUDIT_UNITS;
  const max = options.maxPerKind ?? DEFAULT_MAX_PER_KIND;
  const listed = new Set(auditKinds(units));
  const kinds = STREAM_ORDER.filter((kind) => listed.has(kind));
  const kept: Partial<Record<Kind, unknown[]>> = {};
  const listing = createListing(kept as Partial<{ [K in Kind]: KindObjects[K][] }>);
  const deciders = [
    ...units.detectors.flatMap((detector) => (detector.audit === undefined ? [] : [detector.audit])),
    ...units.checks,
  ].map((unit) => ({ lists: unit.lists, keeps: unit.keeps(listing) }));
  for (const [index, kind] of kinds.entries()) {
    options.onProgress?.(kind, index, kinds.length);
    const keeps = deciders
      .filter((unit) => unit.lists.includes(kind))
      .map((unit) => (unit.keeps[kind] ?? (() => true)) as (object: unknown) => boolean);
    const into: unknown[] = (kept[kind] = []);
    let read = 0;
    for await (const page of kube.pages(kind, { max, pageSize: PAGE_SIZE })) {
      read += page.length;
      for (const object of inScope(page, options.namespaces)) {
        // Every unit is asked (no short cut): a unit's predicate may note what it will need later.
        let keep = false;
        for (const wanted of keeps) keep = wanted(object) || keep;
        if (!keep) continue;
        dropUnread(kind, object);
        into.push(object);
      }
    }
    options.onListed?.(kind, read, into.length);
    if (read >= max) options.onTruncated?.(kind, max);
  }
  options.onProgress?.('diagnose', kinds.length, kinds.length);
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
