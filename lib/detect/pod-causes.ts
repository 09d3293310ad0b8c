import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import { iso } from '../kube/objects.ts';

/** Why a pod or one of its containers is unhealthy, as a kubelet or the scheduler reports it. */
export const POD_CAUSE_KINDS = [
  'oom-killed',
  'bad-image',
  'config-error',
  'probe-failure',
  'app-crash',
  'unschedulable',
  'scheduling-gated',
  'evicted',
  'waiting',
] as const;
export type PodCauseKind = (typeof POD_CAUSE_KINDS)[number];

export interface PodCause {
  kind: PodCauseKind;
  /** The container concerned; undefined for pod-level causes (scheduling). */
  container?: string;
  /** One line an SRE can act on. */
  summary: string;
  evidence: Evidence[];
}

const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/**
 * Classifies what is wrong with a pod from its status and events — the statuses a kubelet
 * writes and the events the kubelet and the scheduler record. Pure. Only reasons, messages,
 * names and numbers enter the evidence: never environment values or Secret data (a kubelet's
 * messages name a missing ConfigMap, Secret or key, not its content).
 */
export function podCauses(pod: V1Pod, events: readonly CoreV1Event[]): PodCause[] {
  const causes: PodCause[] = [];
  if (pod.status?.reason === 'Evicted') {
    return [
      {
        kind: 'evicted',
        summary: `the kubelet evicted the pod: ${pod.status.message ?? 'no message'}`,
        evidence: [
          {
            source: 'pod.status',
            message: `phase ${pod.status.phase ?? '?'}, reason Evicted: ${pod.status.message ?? ''}`,
          },
        ],
      },
    ];
  }
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
  for (const status of pod.status?.containerStatuses ?? []) {
    const cause = containerCause(pod, status, events);
    if (cause !== undefined) causes.push(cause);
  }
  return causes;
}

/** The cause for one container, or undefined when it is running and ready. */
export function containerCause(
  pod: V1Pod,
  status: V1ContainerStatus,
  events: readonly CoreV1Event[],
): PodCause | undefined {
  // Running and ready: whatever it went through before (an OOM kill, a crash) is over.
  if (status.state?.running !== undefined && status.ready) return undefined;
  const name = status.name;
  const waiting = status.state?.waiting;
  const last = status.lastState?.terminated ?? status.state?.terminated;
  const base: Evidence[] = [];
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
  if (status.restartCount > 0) {
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
  return [...events].filter(match).sort((a, b) => time(b) - time(a))[0];
}

function recentWarnings(events: readonly CoreV1Event[], count: number): Evidence[] {
  return [...events]
    .sort((a, b) => time(b) - time(a))
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

function time(event: CoreV1Event): number {
  const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  return at === undefined ? 0 : new Date(at).getTime();
}
