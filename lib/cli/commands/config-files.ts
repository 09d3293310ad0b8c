import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Command } from 'commander';

import { loadAgentConfig } from '../../config/agent-config.ts';
import { ConfigError, ValidationError } from '../../errors.ts';
import { alertmanagerConfigYaml, alertmanagerYaml, DEFAULT_TARGET } from '../../integrations/alertmanager.ts';
import { rulesWithRunbookBase } from '../../integrations/prometheus.ts';
import type { CliContext } from '../context.ts';
import { parseChoice } from '../options.ts';

/** `kubemend config alertmanager` and `config prometheus-rules`: the files that follow from the config, for Alertmanager and Prometheus. */
export function configFileCommands(config: Command, ctx: CliContext): void {
  const { io } = ctx;
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
    .command('prometheus-rules')
    .description(
      "write kubemend's own Prometheus rules (infra/prometheus/kubemend-rules.yml) with each runbook_url absolute under --runbook-base-url, where your copy of docs/runbooks/ is served",
    )
    .requiredOption('--runbook-base-url <url>', 'e.g. https://git.example.com/sre/kubemend/-/blob/main/docs/runbooks')
    .option('--rules <file>', 'the rules file', join(ctx.io.packageRoot, 'infra', 'prometheus', 'kubemend-rules.yml'))
    .action((options: { runbookBaseUrl: string; rules: string }) => {
      let text: string;
      try {
        text = readFileSync(options.rules, 'utf8');
      } catch (error) {
        throw new ConfigError(`cannot read ${options.rules}: ${(error as Error).message}`, { cause: error });
      }
      io.stdout(rulesWithRunbookBase(text, options.runbookBaseUrl));
    });
}
