// Checks what `osls package` produced (node scripts/check-package.ts <dir> <stage>): one zip per
// function holding an ESM bundle and the stage's agent and model config, no node_modules and no
// native addon, no dev dependency in any bundle or chunk (read from the source maps against
// package-lock.json), the version written in, and each bundle imports and exports a handler on
// this Node; in the template, the alarms, the dashboard, the canary release resources and, for
// roles with the permissions boundary, SSM parameters only under /kubemend/<stage>/. Prints
// each bundle's size and the packages that weigh most in it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { parametersOutsideStage } from './check-iam.ts';

const dir = resolve(process.argv[2] ?? '.serverless');
const stage = process.argv[3] ?? 'dev';
const agentConfig = `config/stages/${stage}/agent_config.yaml`;
const modelConfig = `config/stages/${stage}/model_config.yaml`;
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean }> };
const problems: string[] = [];

// Values that let each handler module initialise; nothing is called.
Object.assign(process.env, {
  AWS_REGION: 'eu-west-1',
  // What the functions sign AWS requests with (lib/env.ts parseAwsEnv); placeholders, nothing is sent.
  AWS_ACCESS_KEY_ID: 'offline-package-check',
  AWS_SECRET_ACCESS_KEY: 'offline-package-check',
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
  for (const config of [agentConfig, modelConfig]) if (!files.includes(config)) problems.push(`${zip}: no ${config}`);
  for (const file of files) {
    if (file.includes('node_modules/')) problems.push(`${zip}: ships ${file}`);
    if (file.endsWith('.node')) problems.push(`${zip}: ships native addon ${file}`);
  }

  // The bundle and the chunks it loads on demand (esbuild splitting): no dev dependency in any.
  const weights = new Map<string, number>();
  for (const file of files.filter((path) => path.startsWith('functions/') && path.endsWith('.mjs.map'))) {
    const map = JSON.parse(readFileSync(join(out, file), 'utf8')) as {
      sources: string[];
      sourcesContent?: (string | null)[];
    };
    map.sources.forEach((source, index) => {
      const at = source.lastIndexOf('node_modules/');
      const pkg = at === -1 ? '(kubemend)' : packageOf(source.slice(at + 'node_modules/'.length));
      if (file === `${bundle}.map`)
        weights.set(pkg, (weights.get(pkg) ?? 0) + (map.sourcesContent?.[index]?.length ?? 0));
      if (at !== -1) {
        const entry =
          lock.packages[source.slice(source.indexOf('node_modules/'), at) + `node_modules/${pkg}`] ??
          lock.packages[`node_modules/${pkg}`];
        if (entry?.dev === true) problems.push(`${zip}: bundles dev dependency ${pkg}`);
      }
    });
  }

  // A CommonJS package imported on demand becomes a chunk that exports only `default`: a named
  // export read straight off its import() is undefined in the bundle (lib/commonjs.ts).
  for (const file of files.filter((path) => path.startsWith('functions/') && path.endsWith('.mjs'))) {
    const code = readFileSync(join(out, file), 'utf8');
    const defaultOnly = (chunk: string) => {
      const text = readFileSync(join(out, 'functions', chunk), 'utf8');
      return /export\s+default\b/.test(text) && !/export\s*\{/.test(text);
    };
    const reads = [
      ...[...code.matchAll(/(?<![\w$])\(await import\("\.\/([\w.-]+\.mjs)"\)\)\.(\w+)/g)].map((m) => [m[1]!, m[2]!]),
      ...[...code.matchAll(/\{([^{}]*)\}\s*=\s*await import\("\.\/([\w.-]+\.mjs)"\)/g)].map((m) => [m[2]!, m[1]!]),
    ];
    for (const [chunk, names] of reads) {
      if (names !== 'default' && files.includes(`functions/${chunk}`) && defaultOnly(chunk!)) {
        problems.push(`${file}: reads ${names} from import("./${chunk}"), a CommonJS chunk: use commonJsExports`);
      }
    }
  }

  process.env.KUBEMEND_CONFIG_PATH = join(out, agentConfig);
  process.env.KUBEMEND_MODEL_CONFIG_PATH = join(out, modelConfig);
  try {
    const module = (await import(pathToFileURL(join(out, bundle)).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function') problems.push(`${bundle}: exports no handler function`);
  } catch (error) {
    problems.push(`${bundle}: fails to load: ${String(error)}`);
  }

  // lib/version.ts's build constants were replaced by esbuild's define (serverless.yml).
  if (readFileSync(join(out, bundle), 'utf8').includes('KUBEMEND_BUILD_VERSION'))
    problems.push(`${bundle}: the version was not written in at bundle time (custom.esbuild.define)`);

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
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; UpdatePolicy?: Record<string, unknown> }
  >;
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
// A role with the stage's permissions boundary reads SSM parameters only under /kubemend/<stage>/,
// the only ones the boundary allows (serverless.yml's configParameter, slackWebhookParameter, slackSigningSecretParameter).
for (const { role, parameter } of parametersOutsideStage(template, stage)) {
  problems.push(
    `template: ${role} reads SSM parameter ${parameter}, outside /kubemend/${stage}/, which the stage's permissions boundary refuses`,
  );
}

// Canary releases (scripts/serverless-canary.ts): each function's event sources invoke an alias
// that CodeDeploy moves by a canary configuration, stopped and rolled back by the errors and
// dead-letter-queue alarms.
const ref = (value: unknown): string | undefined => (value as { Ref?: string } | undefined)?.Ref;
const getAtt = (value: unknown): string | undefined =>
  (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type);
if (ofType('AWS::CodeDeploy::Application').length !== 1)
  problems.push('canary: expected one AWS::CodeDeploy::Application');
const functions = ofType('AWS::Lambda::Function').map(([id]) => id);
const dlqAlarms = alarms
  .filter(
    ([, alarm]) =>
      alarm.Properties?.Namespace === 'AWS/SQS' && String(alarm.Properties.MetricName).includes('Messages'),
  )
  .map(([id]) => id);
if (dlqAlarms.length === 0) problems.push('canary: no dead-letter-queue alarm in the template');
const aliasOf = new Map<string, string>();
for (const fn of functions) {
  const alias = ofType('AWS::Lambda::Alias').find(([, a]) => ref(a.Properties?.FunctionName) === fn);
  if (alias === undefined) {
    problems.push(`canary: ${fn} has no AWS::Lambda::Alias`);
    continue;
  }
  const [aliasId, aliasResource] = alias;
  aliasOf.set(fn, aliasId);
  const version = getAtt(aliasResource.Properties?.FunctionVersion);
  if (template.Resources[version ?? '']?.Type !== 'AWS::Lambda::Version')
    problems.push(`canary: ${aliasId} does not point at the function's packaged AWS::Lambda::Version`);
  const update = aliasResource.UpdatePolicy?.CodeDeployLambdaAliasUpdate as Record<string, unknown> | undefined;
  const groupId = ref(update?.DeploymentGroupName);
  const group = template.Resources[groupId ?? ''];
  if (update === undefined || group?.Type !== 'AWS::CodeDeploy::DeploymentGroup') {
    problems.push(`canary: ${aliasId} has no UpdatePolicy.CodeDeployLambdaAliasUpdate with a deployment group`);
    continue;
  }
  const props = group.Properties ?? {};
  if (!/^CodeDeployDefault\.LambdaCanary\d+Percent\d+Minutes$/.test(String(props.DeploymentConfigName)))
    problems.push(`canary: ${groupId} DeploymentConfigName ${String(props.DeploymentConfigName)} is not a canary`);
  const alarmConfig = props.AlarmConfiguration as { Enabled?: boolean; Alarms?: { Name: unknown }[] } | undefined;
  const gated = new Set((alarmConfig?.Alarms ?? []).map((alarm) => ref(alarm.Name)));
  if (alarmConfig?.Enabled !== true) problems.push(`canary: ${groupId} has no enabled AlarmConfiguration`);
  for (const dlq of dlqAlarms) if (!gated.has(dlq)) problems.push(`canary: ${groupId} is not stopped by ${dlq}`);
  const errorsAlarm = [...gated].find((id) => {
    const alarm = template.Resources[id ?? ''];
    const dims = JSON.stringify(alarm?.Properties?.Dimensions ?? []);
    return alarm?.Properties?.MetricName === 'Errors' && dims.includes(`"Ref":"${fn}"`);
  });
  if (errorsAlarm === undefined) problems.push(`canary: ${groupId} is not stopped by an errors alarm on ${fn}`);
  const rollback = props.AutoRollbackConfiguration as { Enabled?: boolean; Events?: string[] } | undefined;
  for (const event of ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) {
    if (rollback?.Enabled !== true || !rollback.Events?.includes(event))
      problems.push(`canary: ${groupId} does not roll back on ${event}`);
  }
}
// No event source may invoke a function directly ($LATEST): only through its alias.
for (const [id, resource] of resources) {
  const targets =
    resource.Type === 'AWS::ApiGatewayV2::Integration'
      ? [resource.Properties?.IntegrationUri]
      : resource.Type === 'AWS::Lambda::EventSourceMapping' || resource.Type === 'AWS::Lambda::Permission'
        ? [resource.Properties?.FunctionName]
        : resource.Type === 'AWS::Events::Rule'
          ? ((resource.Properties?.Targets as { Arn?: unknown }[] | undefined) ?? []).map((target) => target.Arn)
          : [];
  for (const target of targets) {
    const direct = functions.find((fn) => ref(target) === fn || getAtt(target) === fn);
    if (direct !== undefined)
      problems.push(`canary: ${id} invokes ${direct} directly, not its alias ${aliasOf.get(direct) ?? ''}`);
  }
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
