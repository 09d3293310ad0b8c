import type { Alert } from '../alert/schema.ts';
import type { FactKey } from '../domain/facts.ts';
import type { Permission } from '../domain/permission.ts';
import type { Diagnosis } from '../domain/types.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import type { Kind } from '../kube/kinds.ts';
import type { Keeps, Listing } from '../kube/listing.ts';

/**
 * A detector says what is wrong behind one alert, in two halves: `observe` reads what it needs
 * from the cluster (and the alert) into a snapshot (all I/O), and `diagnose` decides from the
 * snapshot alone (pure, so most tests need no cluster). It reports an anomaly with the facts it
 * measured; which fix answers that anomaly is configuration (`rules[].fixes`), not its choice.
 *
 * @example
 * export const myDetector: Detector<MySnapshot, 'too-slow' | 'gone'> = {
 *   name: 'my-detector',
 *   description: 'What it finds, in one sentence users read in `kubemend detectors`.',
 *   reads: [{ apiGroup: '', resource: 'pods', verbs: ['get'] }],
 *   anomalies: { 'too-slow': ['pod'], gone: [] },
 *   observe: async (alert, kube) => ({ pod: await kube.getPod(ns, name) }),
 *   diagnose: (snapshot, now) => ({ ...diagnosis }),
 * };
 */
export interface Detector<Snapshot = unknown, Anomaly extends string = string> {
  readonly name: string;
  readonly description: string;
  /** What `observe` reads; the detector's read-only RBAC is generated from these. */
  readonly reads: readonly Permission[];
  /** Every anomaly it reports, with the facts that may come with it (for config validation and docs). */
  readonly anomalies: Readonly<Record<Anomaly, readonly FactKey[]>>;
  /**
   * The anomalies that say nothing is wrong now (the object is gone, or healthy again): no fix
   * answers them, not even a rule's `'*'`, and config validation refuses a fix mapped to one.
   */
  readonly settled?: readonly Anomaly[];
  observe(alert: Alert, kube: KubeApi): Promise<Snapshot>;
  diagnose(snapshot: Snapshot, now: Date): Diagnosis & { anomaly: Anomaly };
  /** How an audit finds, among listed objects, what this detector diagnoses, without an alert. */
  readonly audit?: DetectorAudit<Snapshot>;
}

/** The audit half of a detector: which kinds it needs listed, and which listed objects look unhealthy. */
export interface DetectorAudit<Snapshot> {
  /** Listed cluster-wide by the audit (its RBAC is derived from these). */
  readonly lists: readonly Kind[];
  /**
   * Which listed objects `snapshots` needs, asked as each arrives, given what earlier kinds kept:
   * those that look unhealthy and what judging them reads (their ReplicaSets, their pods). The
   * audit keeps nothing else, so its memory follows the problems, not the cluster.
   */
  keeps(kept: Listing): Keeps;
  /** A snapshot for each listed object that looks unhealthy, as `observe` would have read it. Pure. */
  snapshots(listing: Listing, now: Date): Iterable<Snapshot>;
}

/** A detector whose snapshot type has been erased, as stored in the registry. */
export type AnyDetector = Detector<any, string>; // eslint-disable-line @typescript-eslint/no-explicit-any
