import type { Alert } from '../alert/schema.ts';
import type { Diagnosis } from '../domain/types.ts';
import type { KubeApi } from '../kube/kube-api.ts';
import type { Permission } from '../remediate/remediator.ts';

/**
 * A detector turns one alert into a diagnosis in two halves: `observe` reads what it needs from
 * the cluster into a snapshot (all I/O), and `diagnose` decides from the alert and the snapshot
 * alone (pure, so most tests need no cluster).
 *
 * @example
 * export const myDetector: Detector<MySnapshot> = {
 *   name: 'my-detector',
 *   description: 'What it finds, in one sentence users read in `kubemend detectors`.',
 *   reads: [{ apiGroup: '', resource: 'pods', verbs: ['get'] }],
 *   observe: async (alert, kube) => ({ pod: await kube.getPod(ns, name) }),
 *   diagnose: (alert, snapshot, now) => ({ ...diagnosis }),
 * };
 */
export interface Detector<Snapshot = unknown> {
  readonly name: string;
  readonly description: string;
  /** What `observe` reads; the detector's read-only RBAC is generated from these. */
  readonly reads: readonly Permission[];
  observe(alert: Alert, kube: KubeApi): Promise<Snapshot>;
  diagnose(alert: Alert, snapshot: Snapshot, now: Date): Diagnosis;
}

/** A detector whose snapshot type has been erased, as stored in the registry. */
export type AnyDetector = Detector<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
