import type { AuditReport } from './findings-store.ts';
import type { Finding } from './finding.ts';

const ref = (finding: Finding) =>
  `${finding.kind.toLowerCase()}/${finding.namespace ? `${finding.namespace}/` : ''}${finding.name}`;

/** A terminal table: status, object, anomaly, summary. */
export function formatAuditTable(report: AuditReport): string {
  const rows = [
    ...report.new.map((finding) => ['NEW', ref(finding), finding.anomaly, finding.summary]),
    ...report.open.map((finding) => ['OPEN', ref(finding), finding.anomaly, finding.summary]),
    ...report.resolved.map((finding) => ['RESOLVED', ref(finding), finding.anomaly, finding.summary]),
  ];
  const header = `audit of ${report.cluster} at ${report.at}: ${report.new.length} new, ${report.open.length} still open, ${report.resolved.length} resolved`;
  if (rows.length === 0) return `${header}\nno problems found`;
  const titles = ['STATUS', 'OBJECT', 'ANOMALY', 'SUMMARY'];
  const widths = titles.map((title, column) =>
    column === titles.length - 1 ? 0 : Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [header, line(titles), ...rows.map(line)].join('\n');
}

/** Markdown for a ticket: one section per status, evidence as sub-bullets. */
export function formatAuditMarkdown(report: AuditReport): string {
  const section = (title: string, findings: readonly Finding[]) =>
    findings.length === 0
      ? []
      : [
          `### ${title} (${findings.length})`,
          '',
          ...findings.flatMap((finding) => [
            `- **${ref(finding)}** — \`${finding.anomaly}\`: ${escape(finding.summary)}`,
            ...finding.evidence.slice(0, 5).map((item) => `  - ${escape(item.message)}`),
          ]),
          '',
        ];
  return [
    `## kubemend audit of ${report.cluster}`,
    '',
    `${report.at}: ${report.new.length} new, ${report.open.length} still open, ${report.resolved.length} resolved.`,
    '',
    ...section('New', report.new),
    ...section('Still open', report.open),
    ...section('Resolved', report.resolved),
  ].join('\n');
}

function escape(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1');
}
