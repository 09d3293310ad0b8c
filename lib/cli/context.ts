import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

import { SNSClient } from '@aws-sdk/client-sns';

import { KubeconfigEnvSchema, LocalEnvSchema, parseEnv, type KubeconfigEnv, type LocalEnv } from '../env.ts';
import { describeError, ValidationError } from '../errors.ts';
import type { KubeProvider } from '../kube/kube-api.ts';
import { describeKubeconfigChoice } from '../kube/kubeconfig.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createLocalRuntime, type LocalRuntime } from '../local/runtime.ts';
import { fanOut, type Notifier } from '../notify/notifier.ts';
import { slackNotifier } from '../notify/slack.ts';
import { snsNotifier } from '../notify/sns.ts';
import { createEnvParameterStore, type ParameterStore } from '../secrets/parameters.ts';

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

/** What every command shares: the terminal, the parsed environment and the defaults. */
export interface CliContext {
  io: CliIo;
  env: LocalEnv;
  /** Where kubeconfig files are. */
  kubeconfig: KubeconfigEnv;
  /** Those, or the one `--kubeconfig` names (which must exist), as kubectl takes it. */
  kubeconfigFor(file: string | undefined): KubeconfigEnv;
  /** Where the agent config's `env:` secret refs are read. */
  secrets: ParameterStore;
  defaultConfig: string;
  defaultDataDir: string;
  /** The server's logger (stdout). */
  logger(): Logger;
  /** Who runs `approve` and `run`, for the record. */
  who(): string;
  /**
   * The local runtime on a data directory, for one command, closed afterwards. It runs no stage
   * on queued messages: those, and a fix the command leaves unfinished, are `kubemend serve`'s.
   */
  withRuntime<T>(
    options: { dataDir: string; config: string; context?: string; kubeconfig?: string; kubeTimeoutMs?: number },
    work: (runtime: LocalRuntime) => Promise<T>,
  ): Promise<T>;
}

export function createCliContext(io: CliIo): CliContext {
  const env = parseEnv(LocalEnvSchema, io.env);
  const kubeconfig = parseEnv(KubeconfigEnvSchema, io.env);
  const secrets = createEnvParameterStore(io.env);
  const logger = () => createLogger({ level: env.KUBEMEND_LOG_LEVEL });
  const kubeconfigFor = (file: string | undefined): KubeconfigEnv => {
    if (file === undefined) return kubeconfig;
    const path = resolve(file);
    if (!existsSync(path)) throw new ValidationError(`--kubeconfig ${file}: no such file`);
    return { ...kubeconfig, files: [path] };
  };
  return {
    io,
    env,
    kubeconfig,
    kubeconfigFor,
    secrets,
    defaultConfig: env.KUBEMEND_CONFIG ?? join(io.packageRoot, 'config', 'agent_config.yaml'),
    defaultDataDir: env.KUBEMEND_DATA_DIR ?? defaultDataDir(io.env),
    logger,
    who: () => env.KUBEMEND_USER ?? io.env.USER ?? 'unknown',
    withRuntime: async (options, work) => {
      // A context asked for by name must exist: a typo is a usage error, not a cluster-unreachable record.
      const files = kubeconfigFor(options.kubeconfig);
      if (options.context !== undefined && io.kube === undefined) describeKubeconfigChoice(options.context, files);
      // A command's stdout is its answer (text or JSON): its logs go to stderr.
      const log = createLogger({ level: env.KUBEMEND_LOG_LEVEL, stderr: true });
      const runtime = createLocalRuntime({
        dataDir: resolve(options.dataDir),
        configPath: options.config,
        logger: log,
        webhookToken: undefined,
        kubeconfig: files,
        secrets,
        kubeContext: options.context,
        ...(options.kubeTimeoutMs === undefined ? {} : { kubeTimeoutMs: options.kubeTimeoutMs }),
        ...(io.kube === undefined ? {} : { kube: io.kube }),
        notifier: localNotifier(env, log),
        consume: false,
      });
      try {
        return await work(runtime);
      } finally {
        await runtime.close();
      }
    },
  };
}

/** Notifications for the local runtime, from KUBEMEND_SLACK_WEBHOOK_URL and KUBEMEND_SNS_TOPIC_ARN. */
export function localNotifier(env: LocalEnv, logger: Logger): Notifier | undefined {
  const notifiers: Notifier[] = [];
  const slackUrl = env.KUBEMEND_SLACK_WEBHOOK_URL;
  if (slackUrl !== undefined) notifiers.push(slackNotifier(async () => slackUrl));
  if (env.KUBEMEND_SNS_TOPIC_ARN !== undefined)
    notifiers.push(snsNotifier(new SNSClient({}), env.KUBEMEND_SNS_TOPIC_ARN));
  if (notifiers.length === 0) return undefined;
  return fanOut(notifiers, (error) => logger.warn({ error: describeError(error) }, 'notification not sent'));
}

/**
 * Where the embedded store lives unless KUBEMEND_DATA_DIR or --data-dir say otherwise: one place
 * per user, whatever the current directory, as the XDG base directories put state
 * (`$XDG_STATE_HOME/kubemend`, else `~/.local/state/kubemend`).
 */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>>): string {
  const state = env.XDG_STATE_HOME;
  if (state !== undefined && isAbsolute(state)) return join(state, 'kubemend');
  return join(env.HOME ?? homedir(), '.local', 'state', 'kubemend');
}
