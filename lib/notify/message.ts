import type { Outcome } from '../domain/types.ts';
import { notificationKind } from './notifier.ts';

/** The words of a notification: a one-line subject and a body with links back to the alert. */
export function notificationText(outcome: Outcome): { subject: string; body: string } {
  const kind = notificationKind(outcome) ?? outcome.result ?? outcome.stage;
  const plan = outcome.plan;
  const target = plan?.target ?? outcome.diagnosis?.target;
  const what =
    plan === undefined
      ? (outcome.diagnosis?.anomaly ?? 'alert')
      : `${plan.action} ${target?.kind.toLowerCase() ?? ''} ${target?.namespace === undefined ? '' : `${target.namespace}/`}${target?.name ?? ''}`;
  const alertname = outcome.alert.labels.alertname ?? 'alert';
  const where = outcome.cluster === undefined ? '' : ` on ${outcome.cluster}`;
  const subject = `kubemend ${kind}: ${what} (${alertname}${where})`;
  const lines = [
    outcome.reason ?? '',
    outcome.change === undefined ? undefined : `change: ${outcome.change}`,
    outcome.verification === undefined
      ? undefined
      : `verification: ${outcome.verification.status} — ${outcome.verification.detail}${outcome.verification.undone === undefined ? '' : `; undone: ${outcome.verification.undone}`}`,
    outcome.trigger?.kind === 'manual' ? `requested by ${outcome.trigger.by ?? 'someone'}` : undefined,
    outcome.alert.generatorURL === '' ? undefined : `alert: ${outcome.alert.generatorURL}`,
    outcome.alert.annotations.runbook_url === undefined
      ? undefined
      : `runbook: ${outcome.alert.annotations.runbook_url}`,
    `record: ${outcome.id}`,
  ];
  return { subject, body: lines.filter((line): line is string => line !== undefined && line !== '').join('\n') };
}
