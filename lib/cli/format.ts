import type { Diagnosis, Outcome, Plan, Suggestion } from '../domain/types.ts';
import { suggestionLines } from '../notify/message.ts';
import { cut } from '../text.ts';

/**
 * Text for a terminal: control characters (ESC, CR, backspace, C1 codes) and the bidirectional
 * overrides that reorder what is shown (U+202A–U+202E, U+2066–U+2069, …) written as `\uXXXX`;
 * newlines and tabs stay. In JSON output these only occur inside strings, where the escape means
 * the same character, so the JSON stays valid and its data unchanged.
 */
export function terminalSafe(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A fixed-width table of recent outcomes for `kubemend history`: its ID (for `show` and `approve`) and age first, as kubectl lists objects. */
export function formatHistory(
  outcomes: readonly Outcome[],
  now: Date = new Date(),
  options: { wide?: boolean } = {},
): string {
  if (outcomes.length === 0) return 'no outcomes recorded yet';
  const wide = options.wide === true;
  const rows = outcomes.map((outcome) => [
    outcome.id,
    age(outcome.timings.receivedAt, now),
    ...(wide ? [outcome.cluster ?? '-', outcome.trigger?.by ?? outcome.approval?.by ?? '-'] : []),
    outcome.alert.labels.alertname ?? '-',
    target(outcome),
    outcome.result ?? `(${outcome.stage})`,
    outcome.plan?.action ?? (outcome.suggestion === undefined ? '-' : `suggested: ${outcome.suggestion.action}`),
    // -o wide shows the reason whole, as kubectl's wide output adds what the narrow one leaves out.
    wide ? oneLine(outcome.reason ?? '', Infinity) : oneLine(outcome.reason ?? ''),
  ]);
  return fixedWidthTable(
    ['ID', 'AGE', ...(wide ? ['CLUSTER', 'BY'] : []), 'ALERT', 'TARGET', 'RESULT', 'ACTION', 'REASON'],
    rows,
  );
}

/** How long ago, as kubectl's AGE column says it: 45s, 12m, 3h, 2d (a time ahead of `now` is 0s). */
export function age(at: string, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(at)) / 1000));
  if (Number.isNaN(seconds)) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 120 * 60) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/**
 * One record whole, for `kubemend show`: the alert, the diagnosis and its evidence, the plan, the
 * policy decision, the change and its diff, the approval, the verification, who and when.
 */
export function formatOutcome(outcome: Outcome): string {
  const when = outcome.timings;
  const lines = [
    `${outcome.id}`,
    `  result: ${outcome.result ?? `(${outcome.stage})`}${outcome.reason === undefined ? '' : ` — ${outcome.reason}`}`,
    `  alert: ${outcome.alert.labels.alertname ?? '-'} ${outcome.alert.status}${outcome.cluster === undefined ? '' : ` on ${outcome.cluster}`}; ${Object.entries(
      outcome.alert.labels,
    )
      .filter(([name]) => name !== 'alertname')
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}`,
    `  trigger: ${outcome.trigger === undefined ? '-' : [outcome.trigger.kind, outcome.trigger.by, outcome.trigger.mode, outcome.trigger.receiver].filter(Boolean).join(', ')}`,
  ];
  if (outcome.diagnosis !== undefined) {
    const { diagnosis } = outcome;
    lines.push(
      `  diagnosis: ${diagnosis.anomaly} on ${refText(diagnosis.target)} by ${diagnosis.detector} (confidence ${diagnosis.confidence})`,
      `    ${diagnosis.summary}`,
      ...diagnosis.evidence.map((item) => `    - [${item.source}] ${item.message}${item.at ? ` (${item.at})` : ''}`),
    );
  }
  if (outcome.plan !== undefined) {
    const params = Object.entries(outcome.plan.params).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
    lines.push(
      `  plan: ${outcome.plan.action} ${refText(outcome.plan.target)}${params.length === 0 ? '' : ` (${params.join(', ')})`} — ${outcome.plan.reason}`,
    );
  }
  if (outcome.suggestion !== undefined) lines.push(...suggestionLines(outcome.suggestion).map((line) => `  ${line}`));
  if (outcome.policy !== undefined) {
    lines.push(
      `  policy: ${outcome.policy.allowed ? 'allowed' : 'refused'} in ${outcome.policy.mode} — ${outcome.policy.reason}`,
    );
  }
  if (outcome.approval !== undefined) {
    const { approval } = outcome;
    lines.push(
      `  approval: ${approval.by === undefined ? `asked ${approval.requestedAt}, open until ${approval.expiresAt}` : `by ${approval.by} at ${approval.at ?? '-'}`}`,
    );
  }
  if (outcome.change !== undefined) lines.push(`  change: ${outcome.change}`);
  if (outcome.diff !== undefined && outcome.diff.length > 0)
    lines.push('  diff:', ...outcome.diff.map((line) => `    ${line}`));
  if (outcome.verification !== undefined) {
    const { verification } = outcome;
    lines.push(
      `  verification: ${verification.status} at ${verification.checkedAt} — ${verification.detail}${verification.undone === undefined ? '' : `; undone: ${verification.undone}`}`,
    );
  }
  if (outcome.error !== undefined) lines.push(`  error: ${outcome.error.code}: ${outcome.error.message}`);
  lines.push(
    `  times: received ${when.receivedAt}${when.diagnosedAt ? `, diagnosed ${when.diagnosedAt}` : ''}${when.decidedAt ? `, decided ${when.decidedAt}` : ''}${when.appliedAt ? `, applied ${when.appliedAt}` : ''}${when.finishedAt ? `, finished ${when.finishedAt}` : ''}; attempts ${outcome.attempts}`,
  );
  return lines.join('\n');
}

function refText(ref: { kind: string; namespace?: string; name: string }): string {
  return `${ref.kind.toLowerCase()}/${ref.namespace === undefined ? '' : `${ref.namespace}/`}${ref.name}`;
}

/** Columns padded to their widest cell, two spaces apart; the last one runs free (no padding). */
export function fixedWidthTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    column === header.length - 1 ? 0 : Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * A human-readable diagnosis for `kubemend diagnose`, with the plan the rule's fixes made (or why
 * none, and the fix suggested when the rule maps none).
 */
export function formatDiagnosis(
  alertname: string,
  diagnosis: Diagnosis,
  plan: Plan | undefined,
  why?: string,
  suggestion?: Suggestion,
): string {
  const lines = [
    `${alertname}: ${diagnosis.anomaly} on ${diagnosis.target.kind} ${diagnosis.target.namespace ?? ''}/${diagnosis.target.name} (confidence ${diagnosis.confidence})`,
    `  ${diagnosis.summary}`,
    '  evidence:',
    ...(diagnosis.evidence.length === 0
      ? ['    (none)']
      : diagnosis.evidence.map((item) => `    - [${item.source}] ${item.message}${item.at ? ` (${item.at})` : ''}`)),
    plan === undefined
      ? `  plan: none${why === undefined ? '' : ` — ${why}`}`
      : `  plan: ${plan.action} ${plan.target.kind} ${plan.target.namespace ?? ''}/${plan.target.name} — ${plan.reason}`,
    ...(suggestion === undefined ? [] : suggestionLines(suggestion).map((line) => `  ${line}`)),
  ];
  return lines.join('\n');
}

function target(outcome: Outcome): string {
  const ref = outcome.plan?.target ?? outcome.diagnosis?.target;
  if (ref !== undefined) return `${ref.kind.toLowerCase()}/${ref.namespace ?? ''}/${ref.name}`;
  const labels = outcome.alert.labels;
  const name = labels.pod ?? labels.deployment ?? labels.node ?? labels.job_name ?? '';
  if (labels.namespace === undefined) return name || '-';
  return name === '' ? labels.namespace : `${labels.namespace}/${name}`;
}

function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ');
  return max === Infinity ? flat : cut(flat, max, '...');
}
