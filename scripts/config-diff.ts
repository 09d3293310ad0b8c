// Config promotion check: validates the agent and model configurations of every stage
// (config/stages/<stage>/) and prints, as Markdown, what changed in each agent config against a
// git ref (a pull request's base) or another stage (a promotion), calling out every change that
// widens what kubemend may do. The pipeline writes it to the run's summary.
//
//   node scripts/config-diff.ts --base origin/main [--summary "$GITHUB_STEP_SUMMARY"] [--fail-on-widening]
//   node scripts/config-diff.ts --from staging --to prod
//
// Exits 1 when a configuration is invalid, 3 when --fail-on-widening is given and something widens.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { parseAgentConfigText, type AgentConfig } from '../lib/config/agent-config.ts';
import { compareAgentConfigs, formatChangesMarkdown } from '../lib/config/widening.ts';
import { ConfigError } from '../lib/errors.ts';
import { loadModelConfig } from '../lib/models/model-config.ts';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    summary: { type: 'string' },
    'fail-on-widening': { type: 'boolean', default: false },
  },
});

const stages = readdirSync(join(root, 'config/stages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
const problems: string[] = [];
const sections: string[] = [];
let widenings = 0;

function order(stage: string): number {
  const at = ['dev', 'staging', 'prod'].indexOf(stage);
  return at === -1 ? 99 : at;
}

function parse(text: string, source: string): AgentConfig | undefined {
  try {
    return parseAgentConfigText(text, source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

/** The file at a git ref, or undefined when it did not exist there. */
function atRef(ref: string, path: string): string | undefined {
  try {
    return execFileSync('git', ['show', `${ref}:${path}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch {
    return undefined;
  }
}

// Every stage's files must be valid, whatever is compared.
const current = new Map<string, AgentConfig>();
for (const stage of stages) {
  const path = `config/stages/${stage}/agent_config.yaml`;
  if (!existsSync(join(root, path))) {
    problems.push(`${path}: missing`);
    continue;
  }
  const config = parse(readFileSync(join(root, path), 'utf8'), path);
  if (config !== undefined) current.set(stage, config);
  const models = `config/stages/${stage}/model_config.yaml`;
  try {
    loadModelConfig(join(root, models));
  } catch (error) {
    problems.push(`${models}: ${(error as Error).message}`);
  }
}

if (values.from !== undefined || values.to !== undefined) {
  const from = current.get(values.from ?? '');
  const to = current.get(values.to ?? '');
  if (from === undefined || to === undefined) {
    problems.push(`--from and --to must name valid stages (${stages.join(', ')})`);
  } else {
    const changes = compareAgentConfigs(from, to);
    widenings += changes.filter((change) => change.widens).length;
    sections.push(formatChangesMarkdown(`Promotion ${values.from} → ${values.to}: what ${values.to} gains`, changes));
  }
} else {
  const ref = values.base ?? 'HEAD';
  for (const path of [
    'config/agent_config.yaml',
    ...stages.map((stage) => `config/stages/${stage}/agent_config.yaml`),
  ]) {
    const after = parse(readFileSync(join(root, path), 'utf8'), path);
    if (after === undefined) continue;
    const text = atRef(ref, path);
    const before = text === undefined ? undefined : parse(text, `${ref}:${path}`);
    const changes = compareAgentConfigs(before, after);
    widenings += changes.filter((change) => change.widens).length;
    sections.push(
      formatChangesMarkdown(`\`${path}\`${text === undefined ? ` (new since ${ref})` : ` against ${ref}`}`, changes),
    );
  }
}

const report = [
  '## kubemend configuration',
  '',
  problems.length === 0
    ? `Valid: agent and model configuration of ${stages.map((s) => `\`${s}\``).join(', ')}.`
    : `**Invalid configuration:**\n\n${problems.map((p) => `- ${p}`).join('\n')}`,
  '',
  widenings > 0
    ? `**⚠️ ${widenings} change${widenings === 1 ? '' : 's'} widen what kubemend may do.**`
    : 'Nothing widens what kubemend may do.',
  '',
  ...sections,
].join('\n');
process.stdout.write(`${report}\n`);
if (values.summary !== undefined && values.summary !== '') appendFileSync(values.summary, `${report}\n`);
if (problems.length > 0) process.exit(1);
if (values['fail-on-widening'] && widenings > 0) process.exit(3);
