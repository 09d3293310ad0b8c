import { createProgram } from '../cli/program.ts';
import { cliReference } from '../cli/reference.ts';
import { enabledFixes, type AgentConfig } from '../config/agent-config.ts';
import { WEBHOOK_LIMIT_DOCS, WEBHOOK_LIMITS } from '../alert/schema.ts';
import { answerFor, type MixinAlerts } from '../config/mixin-alerts.ts';
import { MAX_BODY_BYTES } from '../http/responses.ts';
import { SERVER_LIMIT_DOCS, SERVER_LIMITS } from '../local/server.ts';
import type { AnyDetector } from '../detect/detector.ts';
import { guards as registeredGuards } from '../guardrails/registry.ts';
import type { Guard } from '../guardrails/guard.ts';
import { MODE_ROWS } from '../guardrails/mode.ts';
import { errorResultRows } from '../pipeline/error-results.ts';
import type { AnyRemediator } from '../remediate/remediator.ts';

/**
 * The README's tables that are derived from code: the detectors with their anomalies, the fixes the
 * shipped configuration maps, the fixes with what they need, and the guardrails in the order they
 * run with their defaults. `npm run readme` writes them between markers; a test fails when the
 * README and the code disagree.
 */
export interface ReadmeUnits {
  config: AgentConfig;
  detectors: readonly AnyDetector[];
  remediators: readonly AnyRemediator[];
  guards?: readonly Guard[];
  /** The kubernetes-mixin's alerts by group (config/kubernetes-mixin-alerts.yaml). */
  mixin: MixinAlerts;
}

/** Section name → its Markdown, for the `<!-- generated: name -->` markers. */
export function readmeSections(units: ReadmeUnits): Record<string, string> {
  return {
    detectors: detectorsTable(units),
    'mixin-alerts': mixinAlertsTable(units),
    'webhook-limits': webhookLimitsTable(),
    'server-limits': table(
      ['at most', 'of'],
      Object.entries(SERVER_LIMITS).map(([key, value]) => [
        value.toLocaleString('en-US'),
        SERVER_LIMIT_DOCS[key as keyof typeof SERVER_LIMITS],
      ]),
    ),
    'shipped-fixes': shippedFixesTable(units),
    fixes: fixesTable(units),
    guardrails: guardrailTable(units.config, units.guards ?? registeredGuards),
    cli: cliReference(createProgram({ stdout: () => undefined, stderr: () => undefined, env: {}, packageRoot: '.' })),
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const code = (text: string) => `\`${text}\``;

function detectorsTable({ config, detectors }: ReadmeUnits): string {
  const rows = detectors.map((detector) => {
    const alerts = config.rules.filter((rule) => rule.detector === detector.name).map((rule) => rule.alertname);
    const finds = detector.description.replace(/^[A-Za-z, ]+: /, '');
    return [
      alerts.join(', ') || '(no shipped rule)',
      code(detector.name),
      finds,
      Object.keys(detector.anomalies)
        .map((anomaly) => (detector.settled?.includes(anomaly) === true ? `${code(anomaly)}°` : code(anomaly)))
        .join(', '),
    ];
  });
  return table(['alert (kube-prometheus)', 'detector', 'what it finds', 'anomalies it reports'], rows);
}

function mixinAlertsTable({ config, mixin }: ReadmeUnits): string {
  const rows = Object.entries(mixin.groups).flatMap(([group, alerts]) =>
    alerts.map((alertname) => {
      const answer = answerFor(config, alertname);
      const cell =
        answer === undefined
          ? '**no rule**'
          : 'detector' in answer
            ? `detector ${code(answer.detector)}`
            : `ignored: ${answer.ignored}`;
      return [group, alertname, cell];
    }),
  );
  return table(['group', 'alert', 'shipped rule'], rows);
}

function webhookLimitsTable(): string {
  const rows = [
    [MAX_BODY_BYTES.toLocaleString('en-US'), 'bytes of a request body (`413` above it, before it is parsed)'],
    ...Object.entries(WEBHOOK_LIMITS).map(([key, value]) => [
      value.toLocaleString('en-US'),
      WEBHOOK_LIMIT_DOCS[key as keyof typeof WEBHOOK_LIMITS],
    ]),
  ];
  return table(['at most', 'of'], rows);
}

function shippedFixesTable({ config }: ReadmeUnits): string {
  const rows = config.rules
    .filter((rule) => enabledFixes(rule).length > 0)
    .flatMap((rule) =>
      Object.entries(rule.fixes).map(([anomaly, fixes]) => [
        rule.alertname,
        anomaly === '*' ? "`'*'` (every anomaly not named)" : code(anomaly),
        fixes.map(code).join(', then ') || 'none',
      ]),
    );
  return table(['alert', 'anomaly', 'fix (the first that plans)'], rows);
}

function fixesTable({ remediators }: ReadmeUnits): string {
  const rows = remediators.map((fix) => [
    code(fix.action),
    fix.answers === undefined
      ? 'any, from its facts'
      : fix.answers.length === 0
        ? 'manual only (`kubemend run`)'
        : fix.answers.map(code).join(', '),
    fix.description,
    fix.needs.join(', ') || '—',
    fix.permissions
      .map((p) => `${p.verbs.join(', ')} ${code(p.resource)}${p.clusterScoped === true ? ' (cluster-wide)' : ''}`)
      .join('; '),
    fix.verify,
    fix.undo,
  ]);
  return table(['fix', 'answers', 'what it does', 'facts it needs', 'permissions', 'verify', 'undo'], rows);
}

function guardrailTable(defaults: AgentConfig, guards: readonly Guard[]): string {
  const refusals = errorResultRows()
    .filter((row) => row.result === 'refused')
    .map((row) => [
      row.code === 'forbidden'
        ? 'RBAC or an admission policy or webhook denies the write (the API server says 403, or 400 or 422 naming the policy or webhook)'
        : 'a PodDisruptionBudget refuses an eviction now',
      '—',
      row.code === 'forbidden'
        ? '`refused`: RBAC denied … / admission refused …'
        : '`refused`: the PodDisruptionBudget refuses it now',
    ]);
  return table(
    ['guardrail (in the order they run)', 'default', 'refusal recorded as'],
    [
      ...MODE_ROWS.map((row) => [row.what, row.fallback(defaults), row.recordedAs]),
      ...guards.map((guard) => [
        `${guard.what}${guard.phase === 'write' ? ' — before a real write only' : ''}`,
        guard.fallback(defaults),
        guard.recordedAs,
      ]),
      ...refusals,
      [
        'exactly once per alert instance (the outcome store’s conditional claim)',
        'always',
        'repeat deliveries link to the one record',
      ],
    ],
  );
}

const START = (name: string) => `<!-- generated: ${name} (npm run readme) -->`;
const END = '<!-- end of generated section -->';

/** The README with every generated section replaced by `sections`; throws for a missing marker. */
export function renderReadme(readme: string, sections: Record<string, string>): string {
  let text = readme;
  for (const [name, body] of Object.entries(sections)) {
    const start = text.indexOf(START(name));
    const end = start === -1 ? -1 : text.indexOf(END, start);
    if (start === -1 || end === -1) throw new Error(`README.md has no generated section ${name}`);
    text = `${text.slice(0, start)}${START(name)}\n\n${body}\n\n${text.slice(end)}`;
  }
  return text;
}

/** The generated sections as they stand in `readme`, by name. */
export function readSections(readme: string, names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(
    names.map((name) => {
      const start = readme.indexOf(START(name));
      const end = start === -1 ? -1 : readme.indexOf(END, start);
      return [name, start === -1 || end === -1 ? undefined : readme.slice(start + START(name).length, end).trim()];
    }),
  );
}

/** A Markdown table with its cell padding and rule lengths evened out, to compare tables however formatted. */
export function normaliseTable(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) =>
      line
        .trim()
        .replace(/\s*\|\s*/g, '|')
        .replace(/\|-+(?=\|)/g, '|-'),
    )
    .filter((line) => line !== '')
    .join('\n');
}
