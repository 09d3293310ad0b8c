import type { V1StatefulSet } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import type { PodCause } from './pod-causes.ts';
import { causesOf, type PodWithEvents } from './workload-pods.ts';

/** One ordinal of a StatefulSet: its pod name, and why it is not ready (none: ready; missing: no pod). */
export interface Ordinal {
  ordinal: number;
  name: string;
  missing: boolean;
  cause: PodCause | undefined;
  revision: string | undefined;
}

/** What holds a StatefulSet's pods back, as its controller orders them. */
export interface OrderVerdict {
  /** The pod (or missing ordinal) the controller waits on; undefined when none does (Parallel). */
  blocking: Ordinal | undefined;
  /** The ordinals that wait behind it, in the order the controller would reach them. */
  waiting: Ordinal[];
  /** Every ordinal that is not ready or missing. */
  unready: Ordinal[];
  /** Whether the block is the rolling update's (highest ordinal first) rather than the scale order's. */
  updating: boolean;
  evidence: Evidence[];
}

const REVISION_LABEL = 'controller-revision-hash';
const INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/**
 * The StatefulSet's ordinals (start…start+replicas-1) with the judgement every pod record uses. An ordinal
 * without a pod is missing only when the controller's own count (status.replicas) says pods are
 * missing, since the pods listed may be bounded.
 */
export function ordinalsOf(sts: V1StatefulSet, pods: readonly PodWithEvents[]): Ordinal[] {
  const name = sts.metadata?.name ?? '';
  const desired = sts.spec?.replicas ?? 1;
  // Ordinals start at spec.ordinals.start (0 unless set).
  const start = sts.spec?.ordinals?.start ?? 0;
  const short = (sts.status?.replicas ?? 0) < desired;
  const byOrdinal = new Map(pods.map((entry) => [ordinalOf(name, entry), entry]));
  const ordinals: Ordinal[] = [];
  for (let ordinal = start; ordinal < start + desired; ordinal += 1) {
    const entry = byOrdinal.get(ordinal);
    if (entry === undefined && !short) continue;
    ordinals.push({
      ordinal,
      name: `${name}-${ordinal}`,
      missing: entry === undefined,
      cause: entry === undefined ? undefined : causesOf(entry)[0],
      revision: entry?.pod.metadata?.labels?.[REVISION_LABEL],
    });
  }
  return ordinals;
}

/**
 * Which ordinal the StatefulSet controller waits on. With OrderedReady it creates pods from
 * ordinal 0 up and goes no further (nor updates any pod) while one is not Running and Ready, so
 * the lowest such ordinal blocks all higher ones. A RollingUpdate replaces pods from the highest
 * ordinal down to the partition and waits for each to be ready again, so the highest unready
 * ordinal at or above the partition blocks the lower ones. With Parallel, no ordinal waits on
 * another outside an update. Pure.
 */
export function orderVerdict(sts: V1StatefulSet, ordinals: readonly Ordinal[]): OrderVerdict {
  const unready = ordinals.filter((entry) => entry.missing || entry.cause !== undefined);
  const ordered = (sts.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const strategy = sts.spec?.updateStrategy;
  const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const updating = rolling && sts.status?.currentRevision !== sts.status?.updateRevision;
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  const evidence: Evidence[] = [
    {
      source: 'statefulset.spec',
      message: `podManagementPolicy ${ordered ? 'OrderedReady' : 'Parallel'}, updateStrategy ${strategy?.type ?? 'RollingUpdate'}${rolling ? ` (partition ${partition})` : ''}`,
    },
  ];
  const updateRevision = sts.status?.updateRevision;
  // What the controller still has to do to an ordinal: create it, see it ready, or update it.
  const pending = (o: Ordinal) => o.missing || o.cause !== undefined || (updating && o.revision !== updateRevision);
  const lowest = ordered ? unready[0] : undefined;
  if (lowest !== undefined) {
    return {
      blocking: lowest,
      // Higher ordinals that are there and ready keep running; only the work left on them waits.
      waiting: ordinals.filter((o) => o.ordinal > lowest.ordinal && pending(o)),
      unready,
      updating: false,
      evidence,
    };
  }
  // A rolling update deletes a pod still at the old revision whatever its state, and waits only
  // on an updated pod that is not ready.
  const highest = updating
    ? [...unready].reverse().find((o) => o.ordinal >= partition && !o.missing && o.revision === updateRevision)
    : undefined;
  if (highest !== undefined) {
    const waiting = ordinals
      .filter((o) => o.ordinal < highest.ordinal && o.ordinal >= partition && pending(o))
      .reverse();
    return { blocking: highest, waiting, unready, updating: true, evidence };
  }
  return { blocking: undefined, waiting: [], unready, updating, evidence };
}

/** "web-1 is not ready (…)" or "web-1 does not exist", from what was read. */
export function ordinalState(entry: Ordinal): string {
  if (entry.missing) return `${entry.name} does not exist`;
  return `${entry.name} is not ready (${entry.cause?.summary ?? 'no cause reported'})`;
}

/** "web-2", "web-2 and web-3", "web-2, web-3 and web-4". */
export function names(entries: readonly Ordinal[]): string {
  const all = entries.map((entry) => entry.name);
  return all.length <= 1 ? (all[0] ?? '') : `${all.slice(0, -1).join(', ')} and ${all[all.length - 1] ?? ''}`;
}

function ordinalOf(statefulSet: string, { pod }: PodWithEvents): number {
  const label = pod.metadata?.labels?.[INDEX_LABEL];
  if (label !== undefined && /^\d+$/.test(label)) return Number(label);
  const name = pod.metadata?.name ?? '';
  const suffix = name.startsWith(`${statefulSet}-`) ? name.slice(statefulSet.length + 1) : '';
  return /^\d+$/.test(suffix) ? Number(suffix) : -1;
}
