import { resolve } from 'node:path';

import type { ManualRequest } from '../app/app.ts';
import { createSqliteFindingsStore, type OpenFinding } from '../audit/findings-store.ts';
import { loadAgentConfig } from '../config/agent-config.ts';
import type { Outcome } from '../domain/types.ts';
import type { LocalRuntime } from '../local/runtime.ts';
import { readLocalKillSwitch, writeLocalKillSwitch, type KillSwitchState } from '../local/kill-switch.ts';
import { createLocalQueues } from '../queue/sqlite-queue.ts';
import type { HistoryFilter } from '../store/outcome-store.ts';
import { createSqliteOutcomeStore, openLocalDatabase } from '../store/sqlite-outcome-store.ts';
import type { Command } from 'commander';

import type { CliContext } from './context.ts';
import type { StageOptions } from './stage.ts';

/** A message a queue gave up on, as `kubemend dead-letters` lists it, locally and on AWS. */
export interface DeadLetterView {
  id: string;
  topic: 'alerts' | 'plans';
  attempts: number;
  /** Why its last attempt failed, where the queue keeps it (SQS does not: the function's log does). */
  lastError: string | null;
  body: string;
}

/**
 * The system a command works on: the embedded one on this machine (a data directory) or a
 * deployed stage (lib/cli/stage.ts). Each command is written once against this, so it answers the
 * same, in the same format, for both.
 */
export interface System {
  /** Named in messages: `data directory /x`, `stage dev (stack kubemend-dev in eu-west-1)`. */
  where: string;
  recent(options: { limit: number; filter?: HistoryFilter }): Promise<Outcome[]>;
  get(id: string): Promise<Outcome | undefined>;
  findings(cluster?: string): Promise<OpenFinding[]>;
  killSwitch(): Promise<KillSwitchState>;
  setKillSwitch(state: { on: boolean; by: string; why?: string }): Promise<KillSwitchState>;
  deadLetters(topic?: DeadLetterView['topic']): Promise<DeadLetterView[]>;
  /** Puts them back on the queue they came from, as new messages; how many. */
  redrive(topic?: DeadLetterView['topic']): Promise<number>;
  purge(topic?: DeadLetterView['topic']): Promise<number>;
  /**
   * Who the record names for a decision: locally who the person says they are (`--by`, else
   * $KUBEMEND_USER or $USER); on a stage that, with the AWS identity the call is signed with.
   */
  who(declared: string | undefined): Promise<string>;
  approve(id: string, by: string): Promise<Outcome>;
  reject(id: string, by: string, reason?: string): Promise<Outcome>;
  run(request: ManualRequest): Promise<Outcome>;
}

/** What a command on the local system says about it: where its store is, and how it reaches clusters. */
export interface LocalSystemOptions {
  dataDir: string;
  config?: string;
  context?: string;
  kubeconfig?: string;
}

/** What a command that works on either system takes: the local one's options, and `--stage` for a deployed one. */
export type SystemOptions = LocalSystemOptions & Partial<StageOptions>;

/**
 * `--stage`, `--region` and `--profile`, on a command that works on either system; without
 * `--stage` it works on the data directory.
 */
export function withStageOptions(command: Command): Command {
  return command
    .option(
      '--stage <name>',
      'work on this deployed stage (the CloudFormation stack kubemend-<name>), not the data directory',
    )
    .option('--region <region>', "the stage's AWS region (default: AWS_REGION, or the profile's)")
    .option('--profile <name>', 'the AWS profile whose credentials reach the stage (default: the usual AWS chain)');
}

/** The system the options name: the stage when `--stage` is given (its AWS clients loaded only then), else the data directory. */
export async function openSystem(ctx: CliContext, options: SystemOptions): Promise<System> {
  if (options.stage === undefined) return localSystem(ctx, options);
  const { stageSystem } = await import('./stage.ts');
  return stageSystem(ctx, {
    stage: options.stage,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });
}

/**
 * The embedded system. Reading never makes a store: a directory without one is named, not
 * created. Approving, rejecting and running go through a local runtime on the directory, which a
 * running `kubemend serve` shares.
 */
export function localSystem(ctx: CliContext, options: LocalSystemOptions): System {
  const dataDir = resolve(options.dataDir);
  const config = options.config ?? ctx.defaultConfig;
  const read = async <T>(work: (db: ReturnType<typeof openLocalDatabase>) => Promise<T> | T): Promise<T> => {
    const db = openLocalDatabase(dataDir, { create: false });
    try {
      return await work(db);
    } finally {
      db.close();
    }
  };
  const queues = (db: ReturnType<typeof openLocalDatabase>) =>
    createLocalQueues(db, { maxAttempts: 1, visibilityMs: 1, retryDelayMs: 1 });
  const runtime = <T>(work: (local: LocalRuntime) => Promise<T>) =>
    ctx.withRuntime(
      {
        dataDir,
        config,
        ...(options.context === undefined ? {} : { context: options.context }),
        ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
      },
      work,
    );
  return {
    where: `data directory ${dataDir}`,
    who: async (declared) => declared ?? ctx.who(),
    recent: (query) => read((db) => createSqliteOutcomeStore(db).recent(query)),
    get: (id) => read((db) => createSqliteOutcomeStore(db).get(id)),
    findings: (cluster) => read((db) => createSqliteFindingsStore(db).open(cluster)),
    killSwitch: async () => {
      // A switch is only worth reading where a server keeps its store: a mistyped directory is named.
      await read(() => undefined);
      // The config's `killSwitch: true` stops every write, whatever the data directory says.
      if (configStopsWrites(config)) {
        return {
          on: true,
          reason: `the kill switch is on (killSwitch: true in ${config}; kill-switch off cannot lift it)`,
        };
      }
      return readLocalKillSwitch(dataDir);
    },
    setKillSwitch: async (state) => {
      // Flipped in a directory no server uses, it would stop nothing: a mistyped directory is named.
      await read(() => undefined);
      const written = writeLocalKillSwitch(dataDir, { ...state, at: new Date() });
      return !state.on && configStopsWrites(config)
        ? { on: true, reason: `the kill switch is still on: killSwitch: true in ${config}` }
        : written;
    },
    deadLetters: (topic) =>
      read((db) =>
        queues(db)
          .deadLetters()
          .filter((letter) => topic === undefined || letter.topic === topic)
          .map((letter) => ({
            id: String(letter.seq),
            topic: letter.topic as DeadLetterView['topic'],
            attempts: letter.attempts,
            lastError: letter.lastError,
            body: letter.body,
          })),
      ),
    redrive: (topic) => read((db) => queues(db).redrive(topic)),
    purge: (topic) => read((db) => queues(db).purge(topic)),
    approve: (id, by) => runtime((local) => local.app.approve(id, by)),
    reject: (id, by, reason) => runtime((local) => local.app.reject(id, by, reason)),
    run: (request) => runtime((local) => local.app.runManual(request)),
  };
}

/** Whether the agent config says `killSwitch: true`; a config that does not load says nothing here. */
function configStopsWrites(path: string): boolean {
  try {
    return loadAgentConfig(path).killSwitch;
  } catch {
    return false;
  }
}
