import type { ObjectRef, Outcome, Suggestion } from '../domain/types.ts';
import { notificationKind } from './notifier.ts';

/** The words of a notification: a one-line subject and a body with links back to the alert. */
export function notificationText(outcome: Outcome): { subject: string; body: string } {
  const kind = notificationKind(outcome) ?? outcome.result ?? outcome.stage;
  const plan = outcome.plan;
  const target = plan?.target ?? outcome.diagnosis?.target;
  const suggested = outcome.suggestion;
  const what =
    plan === undefined
      ? suggested === undefined
        ? (outcome.diagnosis?.anomaly ?? 'alert')
        : `${suggested.action} ${refText(suggested.target)}`
      : `${plan.action} ${target?.kind.toLowerCase() ?? ''} ${target?.namespace === undefined ? '' : `${target.namespace}/`}${target?.name ?? ''}`;
  const alertname = outcome.alert.labels.alertname ?? 'alert';
  const where = outcome.cluster === undefined ? '' : ` on ${outcome.cluster}`;
  const subject = `kubemend ${kind}: ${what} (${alertname}${where})`;
  const lines = [
    outcome.reason ?? '',
    ...(suggested === undefined ? [] : suggestionLines(suggested)),
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

/**
 * A suggestion in words: the fix, its target and params, and the line of configuration that
 * enables it; advice, worded so that it never reads as a refusal.
 */
export function suggestionLines(suggestion: Suggestion): string[] {
  const params = suggestion.params === '' ? '' : ` (${suggestion.params})`;
  return [
    `suggested: ${suggestion.action} ${refText(suggestion.target)}${params} — not enabled for ${suggestion.rule}`,
    suggestion.enable,
  ];
}

/** `kind/namespace/name`, or `kind/name` for a cluster-scoped object. */
function refText(ref: ObjectRef): string {
  return `${ref.kind.toLowerCase()}/${ref.namespace === undefined ? '' : `${ref.namespace}/`}${ref.name}`;
}
