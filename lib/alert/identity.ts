import type { Alert } from './schema.ts';

/**
 * The identity of one alert instance: Alertmanager's fingerprint (a hash of the label set) plus
 * `startsAt`, so the same alert firing again later is a new instance while a repeated
 * notification of the same firing is not.
 */
export function alertId(alert: Pick<Alert, 'fingerprint' | 'startsAt'>): string {
  return `${alert.fingerprint}@${alert.startsAt}`;
}

/** The cluster an alert names, by the configured label (kube-prometheus uses `cluster`). */
export function alertCluster(alert: Pick<Alert, 'labels'>, label: string): string | undefined {
  const value = alert.labels[label];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Drops repeated instances inside one webhook, keeping the first, so a group that lists an alert
 * twice hands it on once.
 */
export function dedupeAlerts(alerts: readonly Alert[]): { unique: Alert[]; duplicates: number } {
  const seen = new Set<string>();
  const unique: Alert[] = [];
  for (const alert of alerts) {
    const id = `${alertId(alert)}#${alert.status}`;
    if (seen.has(id)) continue;
    seen.add(id);
    unique.push(alert);
  }
  return { unique, duplicates: alerts.length - unique.length };
}
