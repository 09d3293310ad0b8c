import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

import type { Command } from 'commander';

import { loadAgentConfig } from '../../config/agent-config.ts';
import { parameterValue, SSM_VALUE_BYTES } from '../../config/parameter-value.ts';
import { ConfigError } from '../../errors.ts';
import { loadModelConfig } from '../../models/model-config.ts';
import type { CliContext } from '../context.ts';
import { configFileCommands } from './config-files.ts';

export function configCommand(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const config = program
    .command('config')
    .description('check the agent configuration, write it for SSM, and write the Alertmanager route it implies');
  config
    .command('export')
    .description(
      'validate agent_config.yaml and write it as its SSM parameter holds it (compact JSON, no comments) to --to, saying its size and the smallest SSM tier that holds it; exits 2 when it is invalid or too large for any tier',
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
        `${file}: ${bytes} bytes as JSON, written to ${options.to}; fits the ${tier} tier (${SSM_VALUE_BYTES[tier]} bytes)\n`,
      );
    });
  configFileCommands(config, ctx);
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
