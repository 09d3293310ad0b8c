import type { V1LabelSelector } from '@kubernetes/client-node';

import type { Diagnosis } from '../domain/types.ts';

/** A status condition of any object, by type. */
export function condition<C extends { type: string }>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((item) => item.type === type);
}

/** `app=checkout,tier=web` from a selector's matchLabels (matchExpressions are not needed here). */
export function selectorString(selector: V1LabelSelector | undefined): string {
  return Object.entries(selector?.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** "12 min", "3 h", for ages in summaries. */
export function age(fromIso: string | Date | undefined, now: Date): string {
  if (fromIso === undefined) return 'an unknown time';
  const minutes = Math.max(0, Math.round((now.getTime() - new Date(fromIso).getTime()) / 60_000));
  if (minutes < 120) return `${minutes} min`;
  return `${Math.round(minutes / 60)} h`;
}

/** The diagnosis for an alert whose object no longer exists: nothing to do. */
export function gone(
  base: Pick<Diagnosis, 'detector' | 'target' | 'plan'>,
  summary: string,
  confidence: number,
): Diagnosis {
  return { ...base, anomaly: 'gone', summary, confidence, evidence: [] };
}
