import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Command } from 'commander';

import { ValidationError } from '../../errors.ts';
import { describeKubeconfigChoice } from '../../kube/kubeconfig.ts';
import { lockDataDir } from '../../local/data-dir.ts';
import { createLocalRuntime } from '../../local/runtime.ts';
import { startServer } from '../../local/server.ts';
import { localNotifier, type CliContext } from '../context.ts';
import { parsePort, withKubeOptions } from '../options.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

interface ServeOptions {
  port: number;
  host: string;
  dataDir: string;
  config: string;
  context?: string;
  kubeconfig?: string;
}

export function serveCommand(program: Command, ctx: CliContext): void {
  const { io, env } = ctx;
  withKubeOptions(program.command('serve'), env.KUBEMEND_KUBE_CONTEXT)
    .description('run the webhook receiver, detector and remediator in one process with the embedded store')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 8787)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option('--config <file>', 'agent configuration', ctx.defaultConfig)
    .action(async (options: ServeOptions) => {
      const logger = ctx.logger();
      if (env.KUBEMEND_WEBHOOK_TOKEN === undefined && !LOOPBACK.has(options.host)) {
        throw new ValidationError(
          `refusing to listen on ${options.host} without KUBEMEND_WEBHOOK_TOKEN: set it, or listen on 127.0.0.1`,
        );
      }
      // A context asked for by name must exist, before anything starts (kubectl's answer, not a later 'unreachable').
      const kubeconfigChoice =
        io.kube === undefined
          ? describeKubeconfigChoice(options.context, ctx.kubeconfigFor(options.kubeconfig))
          : 'the cluster this process was given';
      const dataDir = resolve(options.dataDir);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const lock = lockDataDir(dataDir);
      const { runtime, server } = await (async () => {
        let runtime: ReturnType<typeof createLocalRuntime> | undefined;
        try {
          runtime = createLocalRuntime({
            dataDir,
            configPath: options.config,
            logger,
            webhookToken: env.KUBEMEND_WEBHOOK_TOKEN,
            ...(env.KUBEMEND_METRICS_TOKEN === undefined ? {} : { metricsToken: env.KUBEMEND_METRICS_TOKEN }),
            ...(env.KUBEMEND_SLACK_SIGNING_SECRET === undefined
              ? {}
              : { slackSigningSecret: env.KUBEMEND_SLACK_SIGNING_SECRET }),
            kubeconfig: ctx.kubeconfigFor(options.kubeconfig),
            secrets: ctx.secrets,
            kubeContext: options.context,
            ownsDataDir: true,
            ...(io.kube === undefined ? {} : { kube: io.kube }),
            notifier: localNotifier(env, logger),
          });
          const server = await startServer(runtime, { host: options.host, port: options.port });
          return { runtime, server };
        } catch (error) {
          // Consumers may already hold messages: they finish, and stop, before the lock goes.
          await runtime?.close();
          lock.release();
          throw error;
        }
      })();
      if (env.KUBEMEND_WEBHOOK_TOKEN === undefined) {
        io.stderr(
          '\n!!! WARNING: KUBEMEND_WEBHOOK_TOKEN is not set: the receiver accepts UNAUTHENTICATED requests.\n' +
            '!!! Fine on a laptop bound to loopback; set a token (16+ characters) anywhere else.\n\n',
        );
      }
      const { config } = runtime;
      const modes = [...new Set(config.rules.map((rule) => rule.mode ?? config.defaults.mode))].join(', ');
      io.stdout(
        [
          `kubemend is serving. Point Alertmanager's webhook_configs url at: ${server.url}`,
          `  store: ${join(dataDir, 'kubemend.db')}`,
          `  config: ${options.config} (rules: ${config.rules.length}, modes: ${modes || config.defaults.mode})`,
          config.clusters.length === 0
            ? `  cluster: ${kubeconfigChoice}`
            : `  clusters: the registry's ${config.clusters.map((cluster) => cluster.name).join(', ')}`,
          env.KUBEMEND_SLACK_SIGNING_SECRET === undefined
            ? '  slack approvals: off (KUBEMEND_SLACK_SIGNING_SECRET)'
            : `  slack approvals: ${new URL('/slack/interactions', server.url).href} (approvers: ${Object.keys(config.slack.approvers).length})`,
          '  history: kubemend history --data-dir ' + JSON.stringify(options.dataDir),
          '',
        ].join('\n'),
      );
      const stop = async () => {
        await server.close();
        await runtime.close();
        lock.release();
      };
      if (io.onServing !== undefined) {
        io.onServing(stop);
        return;
      }
      await untilSignalled(stop);
    });
}

/** Waits for SIGINT or SIGTERM, then stops. */
function untilSignalled(stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((done) => {
    const shutdown = () => {
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      void stop().then(done);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
