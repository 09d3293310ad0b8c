// Checks what `osls package` produced: one zip per function holding an ESM bundle and the agent
// config, no node_modules and no native addon, no dev dependency in any bundle (read from the
// source map against package-lock.json), and each bundle imports and exports a handler on this
// Node. Prints each bundle's size and the packages that weigh most in it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = resolve(process.argv[2] ?? '.serverless');
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean }> };
const problems: string[] = [];

// Values that let each handler module initialise; nothing is called.
Object.assign(process.env, {
  AWS_REGION: 'eu-west-1',
  KUBEMEND_LOG_LEVEL: 'silent',
  KUBEMEND_ALERT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/alerts',
  KUBEMEND_PLAN_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/plans',
  KUBEMEND_WEBHOOK_TOKEN_PARAMETER: '/kubemend/check/webhook-token',
  KUBEMEND_TABLE_NAME: 'kubemend-check',
  KUBEMEND_RETENTION_DAYS: '90',
  KUBEMEND_LEASE_SECONDS: '300',
  KUBEMEND_KUBE_TIMEOUT_SECONDS: '10',
  KUBEMEND_KILL_SWITCH_PARAMETER: '/kubemend/check/kill-switch',
  KUBEMEND_SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:kubemend-check',
  KUBEMEND_SLACK_WEBHOOK_PARAMETER: '',
});

const zips = readdirSync(dir).filter((name) => name.endsWith('.zip'));
if (zips.length !== 4) problems.push(`expected 4 function zips, found ${zips.join(', ') || 'none'}`);

for (const zip of zips) {
  const out = mkdtempSync(join(tmpdir(), 'kubemend-package-'));
  execFileSync('python3', ['-m', 'zipfile', '-e', join(dir, zip), out]);
  const files = listFiles(out);
  const name = zip.replace(/\.zip$/, '');
  const bundle = `functions/${name}.mjs`;
  if (!files.includes(bundle)) problems.push(`${zip}: no ${bundle}`);
  if (!files.includes('config/agent_config.yaml')) problems.push(`${zip}: no config/agent_config.yaml`);
  for (const file of files) {
    if (file.includes('node_modules/')) problems.push(`${zip}: ships ${file}`);
    if (file.endsWith('.node')) problems.push(`${zip}: ships native addon ${file}`);
  }

  const map = JSON.parse(readFileSync(join(out, `${bundle}.map`), 'utf8')) as {
    sources: string[];
    sourcesContent?: (string | null)[];
  };
  const weights = new Map<string, number>();
  map.sources.forEach((source, index) => {
    const at = source.lastIndexOf('node_modules/');
    const pkg = at === -1 ? '(kubemend)' : packageOf(source.slice(at + 'node_modules/'.length));
    weights.set(pkg, (weights.get(pkg) ?? 0) + (map.sourcesContent?.[index]?.length ?? 0));
    if (at !== -1) {
      const entry =
        lock.packages[source.slice(source.indexOf('node_modules/'), at) + `node_modules/${pkg}`] ??
        lock.packages[`node_modules/${pkg}`];
      if (entry?.dev === true) problems.push(`${zip}: bundles dev dependency ${pkg}`);
    }
  });

  process.env.KUBEMEND_CONFIG_PATH = join(out, 'config/agent_config.yaml');
  try {
    const module = (await import(pathToFileURL(join(out, bundle)).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function') problems.push(`${bundle}: exports no handler function`);
  } catch (error) {
    problems.push(`${bundle}: fails to load: ${String(error)}`);
  }

  const size = statSync(join(out, bundle)).size;
  const top = [...weights.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
  rmSync(out, { recursive: true, force: true });
  console.log(
    `${name}: bundle ${(size / 1024).toFixed(0)} KiB, zip ${(statSync(join(dir, zip)).size / 1024).toFixed(0)} KiB; heaviest sources: ${top.map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(0)} KiB`).join(', ')}`,
  );
}

// The self-monitoring in the template: every alarm tells the notification topic, and the
// dashboard body is JSON once CloudFormation substitutes its ${…} references.
const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
};
const resources = Object.entries(template.Resources);
const alarms = resources.filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm');
if (alarms.length < 4)
  problems.push(`template: expected the DLQ, error and circuit-breaker alarms, found ${alarms.length}`);
for (const [name, alarm] of alarms) {
  if (JSON.stringify(alarm.Properties?.AlarmActions) !== JSON.stringify([{ Ref: 'NotificationTopic' }])) {
    problems.push(`template: alarm ${name} does not notify NotificationTopic`);
  }
}
const dashboard = resources.find(([, resource]) => resource.Type === 'AWS::CloudWatch::Dashboard')?.[1];
const body = (dashboard?.Properties?.DashboardBody as { 'Fn::Sub'?: string } | undefined)?.['Fn::Sub'];
try {
  const widgets = (JSON.parse((body ?? '').replace(/\$\{[^}]+\}/g, 'x')) as { widgets: unknown[] }).widgets;
  if (widgets.length === 0) problems.push('template: the dashboard has no widgets');
} catch (error) {
  problems.push(`template: the dashboard body is not JSON: ${String(error)}`);
}

if (problems.length > 0) {
  console.error(`package check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('package check passed');

function listFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(root, join(prefix, entry.name)) : [join(prefix, entry.name)],
  );
}

function packageOf(path: string): string {
  const parts = path.split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? path);
}
