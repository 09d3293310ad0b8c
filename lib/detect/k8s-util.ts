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
