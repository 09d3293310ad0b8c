import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { parseAgentConfig, type AgentConfig } from '../../lib/config/agent-config.ts';
import { ClusterUnreachableError } from '../../lib/errors.ts';
import { KubeconfigEnvSchema, parseAwsEnv, parseEnv, type AwsEnv, type KubeconfigEnv } from '../../lib/env.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import type { LocalRuntimeOptions } from '../../lib/local/runtime.ts';
import type { Queue } from '../../lib/queue/queue.ts';
import { createEnvParameterStore } from '../../lib/secrets/parameters.ts';
import { createSqliteOutcomeStore } from '../../lib/store/sqlite-outcome-store.ts';

export const silentLogger: Logger = createLogger({ level: 'silent' });

/** What kubemend's AWS JSON clients (SQS, SSM) read from Lambda's environment, sending to `endpoint`. */
export function awsEnvAt(endpoint: string | undefined): AwsEnv {
  return parseAwsEnv({
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKTEST',
    AWS_SECRET_ACCESS_KEY: 'loopback-test-secret-key',
    AWS_ENDPOINT_URL: endpoint,
  });
}

/** No kubeconfig in the environment: for registries of EKS clusters only, or a replaced kube provider. */
export const noKubeconfig: KubeconfigEnv = parseEnv(KubeconfigEnvSchema, {});

/**
 * The local runtime's options on `dataDir` with the shipped config and no cluster reachable (every
 * detection ends `cluster-unreachable`), for tests of the runtime's own behaviour.
 */
export function localRuntimeOptions(
  dataDir: string,
  overrides: Partial<LocalRuntimeOptions> = {},
): LocalRuntimeOptions {
  return {
    dataDir,
    configPath: join(import.meta.dirname, '../../config/agent_config.yaml'),
    logger: silentLogger,
    webhookToken: undefined,
    kube: async () => {
      throw new ClusterUnreachableError('no cluster in this test');
    },
    kubeconfig: noKubeconfig,
    secrets: createEnvParameterStore({}),
    ...overrides,
  };
}

export function testConfig(
  raw: unknown = {
    rules: [
      {
        alertname: 'KubePodCrashLooping',
        detector: 'crash-loop',
        fixes: { 'crash-loop': ['rollout-restart', 'delete-pod'] },
      },
    ],
  },
): AgentConfig {
  return parseAgentConfig(raw, 'test config');
}

/** An embedded store on an in-memory database. */
export function memoryStore() {
  return createSqliteOutcomeStore(new DatabaseSync(':memory:'));
}

/** A queue that keeps what it is sent, for asserting hand-offs. */
export function recordingQueue<Message>(): Queue<Message> & { sent: Message[] } {
  const sent: Message[] = [];
  return {
    sent,
    send: async (messages) => {
      sent.push(...messages);
    },
  };
}

/** A clock tests move by hand. */
export function manualClock(start = '2026-11-26T02:20:00.000Z') {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}
