import type { Diagnosis } from '../domain/types.ts';

/** "12 min", "3 h", for ages in summaries. */
export function age(fromIso: string | Date | undefined, now: Date): string {
  if (fromIso === undefined) return 'an unknown time';
  const minutes = Math.max(0, Math.round((now.getTime() - new Date(fromIso).getTime()) / 60_000));
  if (minutes < 120) return `${minutes} min`;
  return `${Math.round(minutes / 60)} h`;
}

/** The diagnosis for an alert whose object no longer exists: nothing to do. */
export function gone(base: Pick<Diagnosis, 'detector' | 'target'>, summary: string, confidence: number) {
  return { ...base, anomaly: 'gone' as const, summary, confidence, evidence: [], facts: {} };
}

/** The diagnosis for an alert whose pod no longer exists (the pod detectors' `pod-gone`). */
export function podGone(base: Pick<Diagnosis, 'detector' | 'target'>, namespace: string, podName: string) {
  const summary = `pod ${namespace}/${podName} no longer exists: it was deleted or replaced`;
  return { ...gone(base, summary, 0.9), anomaly: 'pod-gone' as const };
}
