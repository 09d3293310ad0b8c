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

/** A fixed-width table of recent outcomes for `kubemend history`. */
export function formatHistory(outcomes: readonly Outcome[]): string {
  if (outcomes.length === 0) return 'no outcomes recorded yet';
  const rows = outcomes.map((outcome) => [
    outcome.timings.receivedAt.replace('T', ' ').slice(0, 19),
    outcome.alert.labels.alertname ?? '-',
    target(outcome),
    outcome.result ?? `(${outcome.stage})`,
    outcome.plan?.action ?? (outcome.suggestion === undefined ? '-' : `suggested: ${outcome.suggestion.action}`),
    oneLine(outcome.reason ?? ''),
  ]);
  return fixedWidthTable(['RECEIVED (UTC)', 'ALERT', 'TARGET', 'RESULT', 'ACTION', 'REASON'], rows);
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

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return cut(flat, 120, '...');
}
