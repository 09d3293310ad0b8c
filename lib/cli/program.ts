import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

import { Command, InvalidArgumentError } from 'commander';

import { alertCluster } from '../alert/identity.ts';
import { createSqliteFindingsStore } from '../audit/findings-store.ts';
import { formatAuditMarkdown, formatAuditTable } from '../audit/format.ts';
import { DEFAULT_MAX_PER_KIND, scanCluster } from '../audit/scan.ts';
import { AlertSchema, formatIssue, parseWebhook, type Alert } from '../alert/schema.ts';
import { findRule } from '../config/agent-config.ts';
import { detectors, findDetector } from '../detect/registry.ts';
import { KubeconfigEnvSchema, LocalEnvSchema, parseEnv, type LocalEnv } from '../env.ts';
import { SNSClient } from '@aws-sdk/client-sns';
import { fanOut, type Notifier } from '../notify/notifier.ts';
import { slackNotifier } from '../notify/slack.ts';
import { snsNotifier } from '../notify/sns.ts';
import { ConfigError, describeError, ValidationError } from '../errors.ts';
import { createRegistryProvider } from '../kube/registry-provider.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createLocalRuntime, loadConfigFile } from '../local/runtime.ts';
import { startServer } from '../local/server.ts';
import { remediators } from '../remediate/registry.ts';
import { createEnvParameterStore } from '../secrets/parameters.ts';
import { KINDS } from '../kube/kinds.ts';
import { loadModelConfig } from '../models/model-config.ts';
import { metricsSources } from '../models/consult.ts';
import { prometheusFor } from '../prometheus/registry.ts';
import { forecastFindings } from '../audit/forecast.ts';
import type { Mode, Outcome, Plan } from '../domain/types.ts';
import { createSqliteOutcomeStore, openLocalDatabase } from '../store/sqlite-outcome-store.ts';
import { buildInfo, formatBuildInfo } from '../version.ts';
import { formatDiagnosis, formatHistory } from './format.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where the packaged config/ lives, for the default config path. */
  packageRoot: string;
  /** Replaces kubeconfig access (tests). */
  kube?: KubeProvider;
  /** Whether stderr is a terminal (then `audit` draws a progress bar). */
  progress?: boolean;
  /** Called with the running server so a caller can stop it; the CLI itself waits for a signal. */
  onServing?: (stop: () => Promise<void>) => void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const KIND_NAMES = Object.keys(KINDS);

/** The `kubemend` command line. Operators script against it: keep flags and output stable. */
export function createProgram(io: CliIo): Command {
  const env = parseEnv(LocalEnvSchema, io.env);
  const kubeconfig = parseEnv(KubeconfigEnvSchema, io.env);
  const secrets = createEnvParameterStore(io.env);
  const defaultConfig = env.KUBEMEND_CONFIG ?? join(io.packageRoot, 'config', 'agent_config.yaml');
  const defaultDataDir = env.KUBEMEND_DATA_DIR ?? '.kubemend';
  const program = new Command('kubemend')
    .description('Alertmanager-driven, guarded auto-remediation for Kubernetes')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .version(`kubemend ${formatBuildInfo(buildInfo())}`, '-v, --version', 'print the version (and git commit) and exit')
    .exitOverride();

  program
    .command('version')
    .description('print the version and the git commit this build came from')
    .option('--output <format>', 'text or json', parseChoice(['text', 'json']), 'text')
    .action((options: { output: 'text' | 'json' }) => {
      const info = buildInfo();
      io.stdout(options.output === 'json' ? `${JSON.stringify(info)}\n` : `kubemend ${formatBuildInfo(info)}\n`);
    });

  program
    .command('serve')
    .description('run the webhook receiver, detector and remediator in one process with the embedded store')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 8787)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'embedded store directory', defaultDataDir)
    .option('--config <file>', 'agent configuration', defaultConfig)
    .option('--context <name>', 'kubeconfig context (default: the current one)', env.KUBEMEND_KUBE_CONTEXT)
    .action(async (options: { port: number; host: string; dataDir: string; config: string; context?: string }) => {
      const logger = createLogger({ level: env.KUBEMEND_LOG_LEVEL });
      if (env.KUBEMEND_WEBHOOK_TOKEN === undefined && !LOOPBACK.has(options.host)) {
        throw new ValidationError(
          `refusing to listen on ${options.host} without KUBEMEND_WEBHOOK_TOKEN: set it, or listen on 127.0.0.1`,
        );
      }
      const dataDir = resolve(options.dataDir);
      const runtime = createLocalRuntime({
        dataDir,
        configPath: options.config,
        logger,
        webhookToken: env.KUBEMEND_WEBHOOK_TOKEN,
        kubeContext: options.context,
        kube: io.kube,
        kubeconfig,
        secrets,
        notifier: localNotifier(env, logger),
      });
      const server = await startServer(runtime, { host: options.host, port: options.port });
      if (env.KUBEMEND_WEBHOOK_TOKEN === undefined) {
        io.stderr(
          '\n!!! WARNING: KUBEMEND_WEBHOOK_TOKEN is not set: the receiver accepts UNAUTHENTICATED requests.\n' +
            '!!! Fine on a laptop bound to loopback; set a token (16+ characters) anywhere else.\n\n',
        );
      }
      const modes = [...new Set(runtime.config.rules.map((rule) => rule.mode ?? runtime.config.defaults.mode))].join(
        ', ',
      );
      io.stdout(
        [
          `kubemend is serving. Point Alertmanager's webhook_configs url at: ${server.url}`,
          `  store: ${join(dataDir, 'kubemend.db')}`,
          `  config: ${options.config} (rules: ${runtime.config.rules.length}, modes: ${modes || runtime.config.defaults.mode})`,
          `  cluster: kubeconfig ${options.context === undefined ? 'current context' : `context ${options.context}`}`,
          '  history: kubemend history --data-dir ' + JSON.stringify(options.dataDir),
          '',
        ].join('\n'),
      );
      const stop = async () => {
        await server.close();
        await runtime.close();
      };
      if (io.onServing !== undefined) {
        io.onServing(stop);
        return;
      }
      await new Promise<void>((done) => {
        const shutdown = () => {
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          void stop().then(done);
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
    });

  program
    .command('diagnose')
    .description('diagnose the alerts in a webhook (or single alert) JSON file; changes nothing')
    .argument('<alert.json>', 'an Alertmanager webhook body or one alert')
    .option('--config <file>', 'agent configuration', defaultConfig)
    .option('--context <name>', 'kubeconfig context (default: the current one)', env.KUBEMEND_KUBE_CONTEXT)
    .option('--output <format>', 'text or json', parseChoice(['text', 'json']), 'text')
    .action(async (file: string, options: { config: string; context?: string; output: 'text' | 'json' }) => {
      const config = loadConfigFile(options.config);
      const alerts = readAlerts(file);
      const kube =
        io.kube ??
        createRegistryProvider(config, {
          identity: 'detector',
          kubeContext: options.context,
          timeoutMs: 10_000,
          kubeconfig,
        });
      const results: unknown[] = [];
      let failed = false;
      for (const alert of alerts) {
        const alertname = alert.labels.alertname ?? '(no alertname)';
        const rule = findRule(config, alert.labels.alertname);
        const detector = rule === undefined ? undefined : findDetector(rule.detector);
        if (alert.status === 'resolved' || detector === undefined) {
          const reason = alert.status === 'resolved' ? 'alert is resolved' : `no rule handles alert ${alertname}`;
          results.push({ alertname, fingerprint: alert.fingerprint, diagnosis: null, reason });
          if (options.output === 'text') io.stdout(`${alertname}: no diagnosis: ${reason}\n`);
          continue;
        }
        try {
          const api = await kube(alertCluster(alert, config.clusterLabel));
          const diagnosis = detector.diagnose(alert, await detector.observe(alert, api), new Date());
          results.push({ alertname, fingerprint: alert.fingerprint, diagnosis });
          if (options.output === 'text') io.stdout(`${formatDiagnosis(alertname, diagnosis)}\n`);
        } catch (error) {
          failed = true;
          const described = describeError(error);
          results.push({ alertname, fingerprint: alert.fingerprint, diagnosis: null, error: described });
          if (options.output === 'text')
            io.stdout(`${alertname}: cannot diagnose: ${described.code}: ${described.message}\n`);
        }
      }
      if (options.output === 'json') io.stdout(`${JSON.stringify(results, null, 2)}\n`);
      if (failed) process.exitCode = 1;
    });

  /** A runtime for one command on the embedded store (no server), closed afterwards. */
  const withRuntime = async <T>(
    options: { dataDir: string; config: string; context?: string },
    work: (runtime: ReturnType<typeof createLocalRuntime>) => Promise<T>,
  ): Promise<T> => {
    const runtime = createLocalRuntime({
      dataDir: resolve(options.dataDir),
      configPath: options.config,
      logger: createLogger({ level: env.KUBEMEND_LOG_LEVEL }),
      webhookToken: undefined,
      kubeContext: options.context,
      kube: io.kube,
      kubeconfig,
      secrets,
      notifier: localNotifier(env, createLogger({ level: env.KUBEMEND_LOG_LEVEL })),
    });
    try {
      return await work(runtime);
    } finally {
      await runtime.close();
    }
  };
  const printOutcome = (outcome: Outcome, output: 'text' | 'json') => {
    io.stdout(
      output === 'json'
        ? `${JSON.stringify(outcome, null, 2)}\n`
        : `${outcome.id}: ${outcome.result ?? outcome.stage}: ${outcome.reason ?? ''}${outcome.change === undefined ? '' : `\n  change: ${outcome.change}`}\n`,
    );
    if (outcome.result === 'failed') process.exitCode = 1;
  };
  const who = () => env.KUBEMEND_USER ?? io.env.USER ?? 'unknown';

  /** The options of commands that run the remediator on the embedded store. */
  const remediatorCommand = (name: string) =>
    program
      .command(name)
      .option('--data-dir <dir>', 'embedded store directory', defaultDataDir)
      .option('--config <file>', 'agent configuration', defaultConfig)
      .option('--context <name>', 'kubeconfig context (default: the current one)', env.KUBEMEND_KUBE_CONTEXT)
      .option('--output <format>', 'text or json', parseChoice(['text', 'json']), 'text');

  remediatorCommand('approve')
    .description('approve a fix waiting for approval (see `history --result awaiting-approval`) and run it now')
    .argument('<id>', 'the alert instance id (fingerprint@startsAt)')
    .option('--by <name>', 'who approves (default: $KUBEMEND_USER or $USER)')
    .action(
      async (
        id: string,
        options: { by?: string; dataDir: string; config: string; context?: string; output: 'text' | 'json' },
      ) => {
        const outcome = await withRuntime(options, (runtime) => runtime.approve(id, options.by ?? who()));
        printOutcome(outcome, options.output);
      },
    );

  remediatorCommand('run')
    .description('apply one fix by hand, through every guardrail (policy, limits, kill switch, lease, verification)')
    .argument('<action>', `the fix: ${remediators.map((r) => r.action).join(', ')}`)
    .argument('<target>', 'kind/name, e.g. deployment/checkout or node/ip-10-0-1-7')
    .option('-n, --namespace <name>', "the target's namespace")
    .option(
      '--param <key=value...>',
      'a parameter of the fix (values are JSON when they parse as JSON)',
      collectParams,
      {},
    )
    .option('--mode <mode>', 'observe, dry-run or enforce', parseChoice(['observe', 'dry-run', 'enforce']), 'dry-run')
    .option('--reason <text>', 'why, for the record', 'requested by hand')
    .option('--by <name>', 'who asks (default: $KUBEMEND_USER or $USER)')
    .option('--cluster <name>', 'registry entry (default: defaultCluster, or the kubeconfig context)')
    .action(
      async (
        action: string,
        target: string,
        options: {
          namespace?: string;
          param: Record<string, unknown>;
          mode: Mode;
          reason: string;
          by?: string;
          cluster?: string;
          dataDir: string;
          config: string;
          context?: string;
          output: 'text' | 'json';
        },
      ) => {
        if (!remediators.some((r) => r.action === action)) {
          throw new ValidationError(`unknown fix "${action}" (known: ${remediators.map((r) => r.action).join(', ')})`);
        }
        const [kindText, name] = target.split('/');
        const kind = KIND_NAMES.find((k) => k.toLowerCase() === kindText?.toLowerCase());
        if (kind === undefined || name === undefined || name === '') {
          throw new ValidationError(
            `target must be kind/name with a known kind (${KIND_NAMES.join(', ')}), got "${target}"`,
          );
        }
        const plan: Plan = {
          action,
          target: { kind, name, ...(options.namespace === undefined ? {} : { namespace: options.namespace }) },
          params: options.param,
          reason: options.reason,
        };
        const outcome = await withRuntime(options, (runtime) =>
          runtime.runManual({ plan, by: options.by ?? who(), mode: options.mode, cluster: options.cluster }),
        );
        printOutcome(outcome, options.output);
      },
    );

  program
    .command('history')
    .description('recent outcomes, newest first')
    .option('--data-dir <dir>', 'embedded store directory', defaultDataDir)
    .option('--limit <n>', 'how many', parsePositive, 50)
    .option('--output <format>', 'table or json', parseChoice(['table', 'json']), 'table')
    .option('--cluster <name>', 'only this cluster')
    .option('--namespace <name>', 'only this namespace')
    .option('--result <result>', 'only this result (applied, dry-run, refused, failed, …)')
    .option('--target <text>', 'only targets whose kind/namespace/name contains this')
    .option('--since <when>', 'only alerts received since: a duration (30m, 6h, 2d) or an ISO time', parseSince)
    .action(
      async (options: {
        dataDir: string;
        limit: number;
        output: 'table' | 'json';
        cluster?: string;
        namespace?: string;
        result?: string;
        target?: string;
        since?: Date;
      }) => {
        const store = createSqliteOutcomeStore(openLocalDatabase(resolve(options.dataDir)));
        try {
          const outcomes = await store.recent({
            limit: options.limit,
            filter: {
              cluster: options.cluster,
              namespace: options.namespace,
              result: options.result,
              target: options.target,
              since: options.since,
            },
          });
          io.stdout(
            options.output === 'json' ? `${JSON.stringify(outcomes, null, 2)}\n` : `${formatHistory(outcomes)}\n`,
          );
        } finally {
          await store.close();
        }
      },
    );

  program
    .command('audit')
    .description('scan a cluster with every detector, store the findings, and report what is new, open and resolved')
    .option('--cluster <name>', 'registry entry to audit (default: defaultCluster, or the kubeconfig context)')
    .option('--context <name>', 'kubeconfig context (default: the current one)', env.KUBEMEND_KUBE_CONTEXT)
    .option('--namespace <name...>', 'only these namespaces')
    .option('--data-dir <dir>', 'embedded store directory', defaultDataDir)
    .option('--config <file>', 'agent configuration', defaultConfig)
    .option('--output <format>', 'table, json or markdown', parseChoice(['table', 'json', 'markdown']), 'table')
    .option('--max-per-kind <n>', 'read at most this many objects of each kind', parsePositive, DEFAULT_MAX_PER_KIND)
    .action(
      async (options: {
        cluster?: string;
        context?: string;
        namespace?: string[];
        dataDir: string;
        config: string;
        output: 'table' | 'json' | 'markdown';
        maxPerKind: number;
      }) => {
        const config = loadConfigFile(options.config);
        const kube = await (
          io.kube ??
          createRegistryProvider(config, {
            identity: 'detector',
            kubeContext: options.context,
            timeoutMs: 30_000,
            kubeconfig,
          })
        )(options.cluster);
        const progress = io.progress ?? false;
        let complete = true;
        const findings = await scanCluster(kube, {
          namespaces: options.namespace,
          now: new Date(),
          maxPerKind: options.maxPerKind,
          onTruncated: (kind, max) => {
            complete = false;
            io.stderr(
              `warning: more than ${max} ${kind} objects; only ${max} were audited, so no finding is marked resolved (--max-per-kind)\n`,
            );
          },
          onProgress: progress
            ? (step, done, total) => {
                const width = 20;
                const filled = Math.round((done / total) * width);
                io.stderr(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${step.padEnd(24)}`);
                if (done === total) io.stderr('\n');
              }
            : undefined,
        });
        // With a Prometheus for the cluster and models next to the config: what will fill soon.
        const modelPath = join(dirname(options.config), 'model_config.yaml');
        const metrics = metricsSources(
          (cluster) => prometheusFor(config, cluster, { env: secrets }),
          existsSync(modelPath) ? loadModelConfig(modelPath) : undefined,
        )(options.cluster);
        if (metrics !== undefined) findings.push(...(await forecastFindings(metrics, new Date())));
        const db = openLocalDatabase(resolve(options.dataDir));
        try {
          const report = await createSqliteFindingsStore(db).record(kube.cluster, findings, new Date(), { complete });
          const text =
            options.output === 'json'
              ? JSON.stringify(report, null, 2)
              : options.output === 'markdown'
                ? formatAuditMarkdown(report)
                : formatAuditTable(report);
          io.stdout(`${text}\n`);
        } finally {
          db.close();
        }
      },
    );

  const configCommand = program.command('config').description('check the agent configuration');
  configCommand
    .command('validate')
    .description(
      'validate agent_config.yaml (or model_config.yaml); prints every problem with its path, exits 1 if there is one',
    )
    .argument('[file]', 'the configuration file', defaultConfig)
    .action((file: string) => {
      try {
        if (basename(file).startsWith('model_config')) {
          const models = loadModelConfig(file);
          io.stdout(
            `${file}: valid — ${models.signals.length} signals: ${models.signals.map((s) => s.name).join(', ')}\n`,
          );
          return;
        }
        const config = loadConfigFile(file);
        const enforcing = config.rules.filter((rule) => (rule.mode ?? config.defaults.mode) === 'enforce');
        io.stdout(
          `${file}: valid — ${config.rules.length} rules (${enforcing.length} enforcing), ${config.clusters.length} clusters, default mode ${config.defaults.mode}\n`,
        );
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const [source, ...rest] = error.message.split(': ');
        const problems = rest.join(': ').split('; ');
        io.stdout(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
        for (const problem of problems) io.stdout(`  - ${problem}\n`);
        process.exitCode = 1;
      }
    });

  program
    .command('detectors')
    .description('list the detectors and remediators this build knows')
    .action(() => {
      const lines = ['detectors:', ...detectors.map((d) => `  ${d.name}: ${d.description}`), 'remediators:'];
      for (const r of remediators) {
        lines.push(`  ${r.action}: ${r.description}`);
        lines.push(
          `    rbac: ${r.permissions.map((p) => `${p.verbs.join(',')} ${p.apiGroup || 'core'}/${p.resource}`).join('; ')}`,
        );
        lines.push(`    dry-run: ${r.supportsDryRun ? 'server-side' : 'no'}; verify: ${r.verify}; undo: ${r.undo}`);
      }
      io.stdout(`${lines.join('\n')}\n`);
    });

  return program;
}

function readAlerts(file: string): Alert[] {
  let text: string;
  try {
    text = readFileSync(isAbsolute(file) ? file : resolve(file), 'utf8');
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

/** `30m`, `6h`, `2d` ago, or an ISO time. */
export function parseSince(value: string, now = new Date()): Date {
  const duration = /^(\d+)([mhd])$/.exec(value);
  if (duration !== null) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(duration[1]) * unit);
  }
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new InvalidArgumentError('expected a duration such as 30m, 6h, 2d, or an ISO time');
  return at;
}

/** Notifications for the local runtime, from KUBEMEND_SLACK_WEBHOOK_URL and KUBEMEND_SNS_TOPIC_ARN. */
function localNotifier(env: LocalEnv, logger: Logger): Notifier | undefined {
  const notifiers: Notifier[] = [];
  const slackUrl = env.KUBEMEND_SLACK_WEBHOOK_URL;
  if (slackUrl !== undefined) notifiers.push(slackNotifier(async () => slackUrl));
  if (env.KUBEMEND_SNS_TOPIC_ARN !== undefined)
    notifiers.push(snsNotifier(new SNSClient({}), env.KUBEMEND_SNS_TOPIC_ARN));
  if (notifiers.length === 0) return undefined;
  return fanOut(notifiers, (error) => logger.warn({ error: describeError(error) }, 'notification not sent'));
}

function collectParams(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  const raw = value.slice(at + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...previous, [value.slice(0, at)]: parsed };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('expected a port from 0 to 65535');
  return port;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function parseChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return value as T;
  };
}
