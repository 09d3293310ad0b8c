import type { CoreV1Event, V1ContainerStatus, V1Node, V1Pod } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import { condition, iso } from '../kube/objects.ts';

/**
 * Why a pod or one of its containers is unhealthy, from the pod alone: what a kubelet or the
 * scheduler reports in its status, and its Ready condition when nothing there explains it.
 */
export const POD_STATUS_CAUSE_KINDS = [
  'oom-killed',
  'bad-image',
  'config-error',
  'probe-failure',
  'app-crash',
  'unschedulable',
  'scheduling-gated',
  'evicted',
  'waiting',
  'readiness-gate',
  'not-ready',
] as const;
export type PodStatusCauseKind = (typeof POD_STATUS_CAUSE_KINDS)[number];

/**
 * Why a pod is not ready when its node is lost: the node lifecycle controller marks the pods of a
 * node whose Ready condition is not True as not ready, while their container statuses keep the
 * values the kubelet last wrote. The names are node-health's, so both records say the same.
 */
export const NODE_CAUSE_KINDS = ['node-unreachable', 'node-not-ready'] as const;
export type NodeCauseKind = (typeof NODE_CAUSE_KINDS)[number];

/** Every cause, for detectors that read the pods' nodes too. */
export const POD_CAUSE_KINDS = [...POD_STATUS_CAUSE_KINDS, ...NODE_CAUSE_KINDS] as const;
export type PodCauseKind = PodStatusCauseKind | NodeCauseKind;

/**
 * Whether a cause can come from the pod template, so a rollout may have brought it: not a lost
 * node, nor a Ready condition that nothing in the pod explains (most often a node not yet read).
 */
export function fromTemplate(kind: PodCauseKind): boolean {
  return kind !== 'not-ready' && !(NODE_CAUSE_KINDS as readonly string[]).includes(kind);
}

export interface PodCause<Kind extends PodCauseKind = PodCauseKind> {
  kind: Kind;
  /** The container concerned; undefined for pod-level causes (scheduling). */
  container?: string;
  /** One line an SRE can act on. */
  summary: string;
  evidence: Evidence[];
}

const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/**
 * Classifies what is wrong with a pod as Kubernetes judges its readiness: its node first (given
 * `node`: null when the node it is bound to no longer exists; omitted when it was not read), then
 * the scheduler's and the kubelet's reports, then its Ready condition when nothing there explains
 * it. The pod is healthy (no cause) only when it is Ready=True on a node that is not lost, or has
 * finished. Pure. Only reasons, messages, names and numbers enter the evidence: never environment
 * values or Secret data (a kubelet's messages name a missing ConfigMap, Secret or key, not its content).
 */
export function podCauses(pod: V1Pod, events: readonly CoreV1Event[]): PodCause<PodStatusCauseKind>[];
export function podCauses(pod: V1Pod, events: readonly CoreV1Event[], node: V1Node | null | undefined): PodCause[];
export function podCauses(pod: V1Pod, events: readonly CoreV1Event[], node?: V1Node | null): PodCause[] {
  if (pod.status?.reason === 'Evicted') return [evictedCause(pod)];
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  const lost = node === undefined || finished ? undefined : nodeCause(pod, node, events);
  if (lost !== undefined) return [lost];
  const causes = statusCauses(pod, events);
  if (causes.length > 0 || finished) return causes;
  const unready = readyCause(pod, events);
  return unready === undefined ? [] : [unready];
}

function evictedCause(pod: V1Pod): PodCause<'evicted'> {
  return {
    kind: 'evicted',
    summary: `the kubelet evicted the pod: ${pod.status?.message ?? 'no message'}`,
    evidence: [
      {
        source: 'pod.status',
        message: `phase ${pod.status?.phase ?? '?'}, reason Evicted: ${pod.status?.message ?? ''}`,
      },
    ],
  };
}

/** What the scheduler and the kubelet report: scheduling, then each init and app container. */
function statusCauses(pod: V1Pod, events: readonly CoreV1Event[]): PodCause<PodStatusCauseKind>[] {
  const causes: PodCause<PodStatusCauseKind>[] = [];
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'SchedulingGated') {
    const gates = (pod.spec?.schedulingGates ?? []).map((gate) => gate.name).join(', ');
    causes.push({
      kind: 'scheduling-gated',
      summary: `the pod waits for its scheduling gates to be removed (${gates || 'unnamed'})`,
      evidence: [{ source: 'pod.spec', message: `schedulingGates: ${gates}` }],
    });
  }
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const event = newest(events, (e) => e.reason === 'FailedScheduling');
    const message = scheduled.message ?? event?.message ?? 'no node fits';
    causes.push({
      kind: 'unschedulable',
      summary: `the scheduler finds no node for the pod: ${schedulingReason(message)}`,
      evidence: [
        { source: 'pod.status', message: `PodScheduled=False (Unschedulable): ${message}` },
        ...(event === undefined ? [] : [eventEvidence(event)]),
      ],
    });
  }
  for (const status of pod.status?.initContainerStatuses ?? []) {
    const cause = initContainerCause(pod, status, events);
    if (cause !== undefined) causes.push(cause);
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const cause = containerCause(pod, status, events);
    if (cause !== undefined) causes.push(cause);
  }
  return causes;
}

/** An init container blocks the pod until it exits 0: waiting, crashing or still running. */
function initContainerCause(
  pod: V1Pod,
  status: V1ContainerStatus,
  events: readonly CoreV1Event[],
): PodCause<PodStatusCauseKind> | undefined {
  if (status.state?.terminated?.exitCode === 0) return undefined;
  const running = status.state?.running;
  if (running === undefined) return containerCause(pod, status, events);
  return {
    kind: 'waiting',
    container: status.name,
    summary: `init container ${status.name} is still running, so the pod's containers have not started`,
    evidence: [
      {
        source: 'pod.status',
        message: `init container ${status.name} running since ${iso(running.startedAt) ?? 'an unknown time'}, ${status.restartCount} restarts`,
        at: iso(running.startedAt),
      },
    ],
  };
}

const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

/**
 * The cause when the pod's node is lost, judged as the node lifecycle controller does: its Ready
 * condition is Unknown (unreachable) or False, or it carries the taints the controller sets for
 * that, or it no longer exists. Undefined when the pod is not bound or its node is fine.
 */
export function nodeCause(
  pod: V1Pod,
  node: V1Node | null,
  events: readonly CoreV1Event[],
): PodCause<NodeCauseKind> | undefined {
  const name = pod.spec?.nodeName;
  if (name === undefined || name === '') return undefined;
  const context = [readyEvidence(pod), ...nodeEvents(events)];
  if (node === null) {
    return {
      kind: 'node-unreachable',
      summary: `the pod is bound to node ${name}, which no longer exists, so its last reported state is stale`,
      evidence: [{ source: 'node', message: `node ${name} not found` }, ...context],
    };
  }
  const ready = condition(node.status?.conditions, 'Ready');
  const taints = (node.spec?.taints ?? []).filter((t) => t.key === UNREACHABLE_TAINT || t.key === NOT_READY_TAINT);
  const unreachable = ready?.status === 'Unknown' || taints.some((t) => t.key === UNREACHABLE_TAINT);
  if (!unreachable && ready?.status !== 'False' && taints.length === 0) return undefined;
  // An unreachable node last reported at its last heartbeat (what the node's own record says); a
  // node that reports NotReady has been so since the condition changed.
  const since =
    (unreachable ? iso(ready?.lastHeartbeatTime) : undefined) ??
    iso(ready?.lastTransitionTime) ??
    iso(taints[0]?.timeAdded);
  const detail = `Ready=${ready?.status ?? 'absent'}${ready?.message ? `: ${ready.message}` : ''}`;
  return {
    kind: unreachable ? 'node-unreachable' : 'node-not-ready',
    summary: unreachable
      ? `node ${name} has not reported since ${since ?? 'an unknown time'} (${detail}), so the pod is not ready and its containers' last reported state is stale`
      : `node ${name} is not ready since ${since ?? 'an unknown time'} (${detail}), so the pod is not ready`,
    evidence: [
      {
        source: 'node.status',
        message: `node ${name} ${detail}${ready?.reason ? ` (${ready.reason})` : ''}; last heartbeat ${iso(ready?.lastHeartbeatTime) ?? 'unknown'}`,
        at: since,
      },
      ...(taints.length === 0
        ? []
        : [{ source: 'node.spec', message: `taints: ${taints.map((t) => `${t.key}:${t.effect}`).join(', ')}` }]),
      ...context,
    ],
  };
}

/**
 * The cause when the pod's Ready condition is not True and no container or scheduling report
 * explains it: a readiness gate not yet True, or the condition itself (set by the node lifecycle
 * controller when the node was not read, for one).
 */
function readyCause(pod: V1Pod, events: readonly CoreV1Event[]): PodCause<PodStatusCauseKind> | undefined {
  const ready = condition(pod.status?.conditions, 'Ready');
  const containers = pod.status?.containerStatuses ?? [];
  const allReady = containers.length > 0 && containers.every((status) => status.ready);
  // Without a Ready condition (a status written by hand), the containers are all there is to judge.
  if (ready?.status === 'True' || (ready === undefined && allReady)) return undefined;
  const evidence = [readyEvidence(pod), ...recentWarnings(events, 3)];
  const gates = (pod.spec?.readinessGates ?? [])
    .map((gate) => ({
      type: gate.conditionType,
      status: condition(pod.status?.conditions, gate.conditionType)?.status,
    }))
    .filter((gate) => gate.status !== 'True');
  if (gates.length > 0) {
    const named = gates.map((gate) => `${gate.type} (${gate.status ?? 'not set'})`).join(', ');
    return {
      kind: 'readiness-gate',
      summary: `the pod's containers are ready but its readiness gate ${named} is not True`,
      evidence: [{ source: 'pod.spec', message: `readinessGates not True: ${named}` }, ...evidence],
    };
  }
  return {
    kind: 'not-ready',
    summary: `the pod is not ready (${readyText(pod)})${allReady ? ' though its containers report ready' : ''}`,
    evidence,
  };
}

/** "Ready=False (ContainersNotReady) since …: message", or that the pod reports no Ready condition. */
function readyText(pod: V1Pod): string {
  const ready = condition(pod.status?.conditions, 'Ready');
  if (ready === undefined) return `phase ${pod.status?.phase ?? 'unknown'}, no Ready condition yet`;
  const reason = ready.reason ? ` (${ready.reason})` : '';
  const since = iso(ready.lastTransitionTime);
  return `Ready=${ready.status}${reason}${since === undefined ? '' : ` since ${since}`}${ready.message ? `: ${ready.message}` : ''}`;
}

/** The pod's Ready condition, as evidence. */
export function readyEvidence(pod: V1Pod): Evidence {
  const ready = condition(pod.status?.conditions, 'Ready');
  return { source: 'pod.status', message: readyText(pod), at: iso(ready?.lastTransitionTime) };
}

/** The Warning events the node lifecycle controller records on the pods of a lost node. */
function nodeEvents(events: readonly CoreV1Event[]): Evidence[] {
  const event = newest(events, (e) => e.reason === 'NodeNotReady');
  return event === undefined ? [] : [eventEvidence(event)];
}

/** The cause for one container, or undefined when it is running and ready. */
export function containerCause(
  pod: V1Pod,
  status: V1ContainerStatus,
  events: readonly CoreV1Event[],
): PodCause<PodStatusCauseKind> | undefined {
  // Running and ready: whatever it went through before (an OOM kill, a crash) is over.
  if (status.state?.running !== undefined && status.ready) return undefined;
  const name = status.name;
  const waiting = status.state?.waiting;
  const last = status.lastState?.terminated ?? status.state?.terminated;
  const base: Evidence[] = [];
  const running = status.state?.running;
  if (running !== undefined) {
    base.push({
      source: 'pod.status',
      message: `container ${name} is running since ${iso(running.startedAt) ?? 'an unknown time'} but not ready (${status.restartCount} restarts)`,
      at: iso(running.startedAt),
    });
  }
  if (waiting !== undefined) {
    base.push({
      source: 'pod.status',
      message: `container ${name} is waiting: ${waiting.reason ?? 'unknown'}${waiting.message ? ` (${waiting.message})` : ''}`,
    });
  }
  if (last !== undefined) {
    base.push({
      source: 'pod.status',
      message: `last termination: ${last.reason ?? 'unknown'}, exit code ${last.exitCode}`,
      at: iso(last.finishedAt),
    });
  }
  if (status.restartCount > 0 && running === undefined) {
    base.push({ source: 'pod.status', message: `container ${name} restarted ${status.restartCount} times` });
  }

  if (waiting?.reason !== undefined && IMAGE_REASONS.has(waiting.reason)) {
    const failed = newest(events, (e) => e.reason === 'Failed' && (e.message ?? '').includes('image'));
    const image = pod.spec?.containers.find((container) => container.name === name)?.image ?? status.image;
    return {
      kind: 'bad-image',
      container: name,
      summary: `container ${name} cannot pull image ${image}: ${waiting.message ?? failed?.message ?? waiting.reason}`,
      evidence: [...base, ...(failed === undefined ? [] : [eventEvidence(failed)])],
    };
  }
  if (waiting?.reason !== undefined && CONFIG_REASONS.has(waiting.reason)) {
    return {
      kind: 'config-error',
      container: name,
      summary: `container ${name} cannot start: ${waiting.message ?? waiting.reason}`,
      evidence: base,
    };
  }
  if (last?.reason === 'OOMKilled') {
    const limit = pod.spec?.containers.find((container) => container.name === name)?.resources?.limits?.memory;
    return {
      kind: 'oom-killed',
      container: name,
      summary: `container ${name} is killed for exceeding its memory limit (${limit ?? 'no limit set'})`,
      evidence: base,
    };
  }
  if (waiting?.reason === 'CrashLoopBackOff') {
    return {
      kind: 'app-crash',
      container: name,
      summary: `container ${name} keeps exiting${last === undefined ? '' : ` with code ${last.exitCode} (${last.reason ?? 'no reason'})`}`,
      evidence: [...base, ...recentWarnings(events, 3)],
    };
  }
  const unhealthy = newest(events, (e) => e.reason === 'Unhealthy');
  if (status.state?.running !== undefined && !status.ready) {
    const probe = unhealthy?.message?.split(':')[0] ?? 'readiness';
    return {
      kind: 'probe-failure',
      container: name,
      summary: `container ${name} runs but is not ready${unhealthy === undefined ? '' : `: ${probe}`}`,
      evidence: [...base, ...(unhealthy === undefined ? [] : [eventEvidence(unhealthy)])],
    };
  }
  if (waiting !== undefined) {
    return {
      kind: 'waiting',
      container: name,
      summary: `container ${name} is waiting: ${waiting.reason ?? 'unknown'}`,
      evidence: base,
    };
  }
  return undefined;
}

/** "0/3 nodes are available: 3 Insufficient memory." → "3 Insufficient memory". */
function schedulingReason(message: string): string {
  const detail = message
    .split(': ')
    .slice(1)
    .join(': ')
    .replace(/\.\s*$/, '');
  return detail || message;
}

function newest(events: readonly CoreV1Event[], match: (event: CoreV1Event) => boolean): CoreV1Event | undefined {
  return [...events].filter(match).sort((a, b) => eventTime(b) - eventTime(a))[0];
}

function recentWarnings(events: readonly CoreV1Event[], count: number): Evidence[] {
  return [...events]
    .sort((a, b) => eventTime(b) - eventTime(a))
    .slice(0, count)
    .map(eventEvidence);
}

export function eventEvidence(event: CoreV1Event): Evidence {
  const count = event.count !== undefined && event.count > 1 ? ` ×${event.count}` : '';
  return {
    source: 'event',
    message: `${event.reason ?? 'Warning'}${count}: ${event.message ?? ''}`.trim(),
    at: iso(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp),
  };
}

/** When an event last happened (ms), 0 when it says nothing: for newest-first ordering. */
export function eventTime(event: CoreV1Event): number {
  const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  return at === undefined ? 0 : new Date(at).getTime();
}
