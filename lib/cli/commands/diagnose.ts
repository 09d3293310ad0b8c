import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

import type { Command } from 'commander';

import { createApp } from '../../app/app.ts';
import { AlertSchema, formatIssue, parseWebhook, type Alert } from '../../alert/schema.ts';
import { loadAgentConfig } from '../../config/agent-config.ts';
import { describeError, ValidationError } from '../../errors.ts';
import { createRegistryProvider } from '../../clusters/registry-provider.ts';
import { localMetricsSources } from '../../local/runtime.ts';
import { createLogger } from '../../logger.ts';
import type { CliContext } from '../context.ts';
import { formatDiagnosis } from '../format.ts';
import { parseChoice, withKubeOptions } from '../options.ts';

export function diagnoseCommand(program: Command, ctx: CliContext): void {
  const { io, env } = ctx;
  withKubeOptions(program.command('diagnose'), env.KUBEMEND_KUBE_CONTEXT)
    .description(
      'diagnose the alerts in a webhook (or single alert) JSON file, and the fix the rules would plan; changes nothing',
    )
    .argument('<alert.json>', 'an Alertmanager webhook body or one alert; - reads it from stdin')
    .option('--config <file>', 'agent configuration', ctx.defaultConfig)
    .option('-o, --output <format>', 'text or json', parseChoice(['text', 'json']), 'text')
    .action(
      async (
        file: string,
        options: { config: string; context?: string; kubeconfig?: string; output: 'text' | 'json' },
      ) => {
        const config = loadAgentConfig(options.config);
        // Detection only: no store, no queue, no write identity.
        const app = createApp({
          config: () => config,
          logger: createLogger({ level: 'silent' }),
          leaseMs: 0,
          detectorKube: (agent) =>
            io.kube ??
            createRegistryProvider(agent, {
              identity: 'detector',
              kubeContext: options.context,
              timeoutMs: 10_000,
              kubeconfig: ctx.kubeconfigFor(options.kubeconfig),
            }),
          // The metrics confirm and explain, as in the detector stage.
          metricsFor: localMetricsSources(options.config, ctx.secrets),
        });
        const results: unknown[] = [];
        const print = (text: string) => {
          if (options.output === 'text') io.stdout(`${text}\n`);
        };
        for (const alert of readAlerts(file)) {
          const alertname = alert.labels.alertname ?? '(no alertname)';
          const base = { alertname, fingerprint: alert.fingerprint };
          if (alert.status === 'resolved') {
            results.push({ ...base, diagnosis: null, reason: 'alert is resolved' });
            print(`${alertname}: no diagnosis: alert is resolved`);
            continue;
          }
          const { diagnosis, plan, reason, suggestion, error } = await app.diagnose(alert);
          if (diagnosis === undefined && error !== undefined) {
            process.exitCode = 1;
            const described = describeError(error);
            results.push({ ...base, diagnosis: null, error: described });
            print(`${alertname}: cannot diagnose: ${described.code}: ${described.message}`);
            continue;
          }
          results.push({
            ...base,
            diagnosis: diagnosis ?? null,
            plan: plan ?? null,
            reason,
            suggestion: suggestion ?? null,
          });
          print(
            diagnosis === undefined
              ? `${alertname}: no diagnosis: ${reason ?? ''}`
              : formatDiagnosis(alertname, diagnosis, plan, reason, suggestion),
          );
        }
        if (options.output === 'json') io.stdout(`${JSON.stringify(results, null, 2)}\n`);
      },
    );
}

function readAlerts(file: string): Alert[] {
  let text: string;
  try {
    // `-` is stdin, as kubectl and amtool take it (file descriptor 0).
    text = readFileSync(file === '-' ? 0 : isAbsolute(file) ? file : resolve(file), 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw === 'object' && raw !== null && 'alerts' in raw) return parseWebhook(raw).alerts;
  const single = AlertSchema.safeParse(raw);
  if (!single.success) throw new ValidationError(`${file}: ${single.error.issues.map(formatIssue).join('; ')}`);
  return [single.data];
}
