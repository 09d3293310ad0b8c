import type { CoreV1Event } from '@kubernetes/client-node';

import type { Evidence } from '../domain/types.ts';
import { admissionRefuser } from '../kube/kube-api.ts';
import { cut } from '../text.ts';
import { eventEvidence, eventTime } from './pod-causes.ts';

/** Longest event text kept in a summary, and in evidence (an admission message can run long). */
export const SUMMARY_MESSAGE_MAX = 240;
export const EVIDENCE_MESSAGE_MAX = 400;

/** A controller's report that the API server refused to create one of its pods. */
export interface CreationRefusal {
  /** Who refused, in words: `PodSecurity admission (restricted:latest)`, `a ResourceQuota`, … */
  by: string;
  /** The API server's message, bounded for a summary. */
  message: string;
  evidence: Evidence;
}

/**
 * The newest FailedCreate event among a controller's Warning events (the DaemonSet, StatefulSet,
 * ReplicaSet and Job controllers all report a refused pod so), with who refused it read from the
 * API server's words, or undefined.
 */
export function creationRefusal(events: readonly CoreV1Event[]): CreationRefusal | undefined {
  const refusals = events.filter((event) => event.reason === 'FailedCreate');
  const newest = refusals.sort((a, b) => eventTime(b) - eventTime(a))[0];
  if (newest === undefined) return undefined;
  const text = newest.message ?? '';
  const evidence = eventEvidence(newest);
  return {
    by: refuser(text),
    message: cut(text, SUMMARY_MESSAGE_MAX),
    evidence: { ...evidence, message: cut(evidence.message, EVIDENCE_MESSAGE_MAX) },
  };
}

/** Who refused a pod, read from the API server's words in a FailedCreate event. */
export function refuser(message: string): string {
  const admission = admissionRefuser(message);
  if (admission !== undefined) return admission;
  const security = /violates PodSecurity "([^"]+)"/.exec(message);
  if (security !== null) return `PodSecurity admission (${security[1]})`;
  if (message.includes('exceeded quota')) return 'a ResourceQuota';
  return 'the API server';
}
