import type { Permission } from '../../domain/permission.ts';
import type { KubeApi } from '../../kube/kube-api.ts';
import type { Kind } from '../../kube/kinds.ts';
import type { Keeps, Listing } from '../../kube/listing.ts';
import { finding, type Finding } from '../finding.ts';

/**
 * An audit-only check: a problem no kubernetes-mixin alert fires for, found among listed objects
 * (a suspended CronJob, a StatefulSet naming a missing storage class). One file per check, listed
 * in `registry.ts`.
 *
 * @example
 * export const jobSuspended: AuditCheck = {
 *   name: 'job-suspended',
 *   description: 'Jobs suspended by spec.suspend.',
 *   lists: ['Job'],
 *   keeps: () => ({ Job: suspended }),
 *   check: (listing) => listing.of('Job').filter(suspended).map(toFinding),
 * };
 */
export interface AuditCheck {
  readonly name: string;
  readonly description: string;
  /** Listed cluster-wide by the audit (its RBAC is derived from these). */
  readonly lists: readonly Kind[];
  /** Anything else it reads (the events of a few objects), for the RBAC. */
  readonly reads?: readonly Permission[];
  /** Which listed objects `check` needs, asked as each arrives (as a detector's audit `keeps`). */
  keeps(kept: Listing): Keeps;
  check(listing: Listing, context: { kube: KubeApi; now: Date }): Finding[] | Promise<Finding[]>;
}

/** A check's finding about one object, with evidence from the object's own fields. */
export function auditFinding(
  kind: string,
  namespace: string | undefined,
  name: string,
  anomaly: string,
  summary: string,
  evidence: readonly string[],
): Finding {
  return finding(
    'audit',
    { kind, namespace, name },
    { anomaly, summary, evidence: evidence.map((message) => ({ source: kind.toLowerCase(), message })) },
  );
}
