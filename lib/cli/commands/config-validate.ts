import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

import type { Command } from 'commander';

import { loadAgentConfig } from '../../config/agent-config.ts';
import { parameterValue, SSM_VALUE_BYTES } from '../../config/parameter-value.ts';
import { ConfigError, ValidationError } from '../../errors.ts';
import { alertmanagerConfigYaml, alertmanagerYaml, DEFAULT_TARGET } from '../../integrations/alertmanager.ts';
import { loadModelConfig } from '../../models/model-config.ts';
import type { CliContext } from '../context.ts';
import { parseChoice } from '../options.ts';

export function configCommand(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const config = program
    .command('config')
    .description('check the agent configuration, write it for SSM, and write the Alertmanager route it implies');
  config
    .command('export')
    .description(
      'validate agent_config.yaml and write it as its SSM parameter holds it (no comments) to --to, saying its size and the smallest SSM tier that holds it; exits 2 when it is invalid or too large for any tier',
    )
    .argument('[file]', 'the configuration file', ctx.defaultConfig)
    .requiredOption('--to <file>', 'where to write the value')
    .action((file: string, options: { to: string }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new ConfigError(`cannot read agent config ${file}: ${(error as Error).message}`, { cause: error });
      }
      const { value, tier, bytes } = parameterValue(text, file);
      writeFileSync(options.to, value);
      io.stdout(
        `${file}: ${bytes} bytes without comments, written to ${options.to}; fits the ${tier} tier (${SSM_VALUE_BYTES[tier]} bytes)\n`,
      );
    });
  config
    .command('alertmanager')
    .description(
      "write the Alertmanager route that sends kubemend every alert the config has a rule for: an alertmanager.yml to merge, or kube-prometheus-stack's AlertmanagerConfig",
    )
    .argument('[file]', 'the configuration file', ctx.defaultConfig)
    .option('--url <url>', "the webhook URL (kubemend serve's, or the stage's WebhookUrl output)", DEFAULT_TARGET.url)
    .option(
      '--credentials-file <path>',
      'alertmanager.yml: the file with the webhook credential',
      DEFAULT_TARGET.credentialsFile,
    )
    .option(
      '--secret <name/key>',
      'AlertmanagerConfig: the Secret and key with the webhook credential',
      `${DEFAULT_TARGET.secret.name}/${DEFAULT_TARGET.secret.key}`,
    )
    .option('-n, --namespace <name>', "AlertmanagerConfig: its namespace (Alertmanager's)", DEFAULT_TARGET.namespace)
    .option(
      '-o, --output <format>',
      'alertmanager or alertmanagerconfig',
      parseChoice(['alertmanager', 'alertmanagerconfig']),
      'alertmanager',
    )
    .action(
      (
        file: string,
        options: {
          url: string;
          credentialsFile: string;
          secret: string;
          namespace: string;
          output: 'alertmanager' | 'alertmanagerconfig';
        },
      ) => {
        const [name, key] = options.secret.split('/');
        if (name === undefined || name === '' || key === undefined || key === '') {
          throw new ValidationError(`--secret must be name/key, got "${options.secret}"`);
        }
        const target = {
          url: options.url,
          credentialsFile: options.credentialsFile,
          secret: { name, key },
          namespace: options.namespace,
        };
        const agent = loadAgentConfig(file);
        io.stdout(
          options.output === 'alertmanager' ? alertmanagerYaml(agent, target) : alertmanagerConfigYaml(agent, target),
        );
      },
    );
  config
    .command('validate')
    .description(
      'validate agent_config.yaml (or model_config.yaml): types, names, and that every mapped fix can answer its anomaly; prints every problem with its path, exits 1 if there is one',
    )
    .argument('[file]', 'the configuration file', ctx.defaultConfig)
    .action((file: string) => {
      try {
        io.stdout(`${basename(file).startsWith('model_config') ? validModels(file) : validAgent(file)}\n`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const [source, ...rest] = error.message.split(': ');
        const problems = rest.join(': ').split('; ');
        io.stdout(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
        for (const problem of problems) io.stdout(`  - ${problem}\n`);
        process.exitCode = 1;
      }
    });
}

function validModels(file: string): string {
  const models = loadModelConfig(file);
  return `${file}: valid — ${models.signals.length} signals: ${models.signals.map((s) => s.name).join(', ')}`;
}

function validAgent(file: string): string {
  const config = loadAgentConfig(file);
  const enforcing = config.rules.filter((rule) => (rule.mode ?? config.defaults.mode) === 'enforce');
  return `${file}: valid — ${config.rules.length} rules (${enforcing.length} enforcing), ${config.clusters.length} clusters, default mode ${config.defaults.mode}`;
}
