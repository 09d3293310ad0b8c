import { EventEmitter } from 'node:events';
import type { DatabaseSync } from 'node:sqlite';

import { describeError } from '../errors.ts';
import type { Queue } from './queue.ts';

/**
 * The local equivalent of SQS with a dead-letter queue: messages live in the embedded database
 * until a handler succeeds, so a crash or restart loses nothing; a message that keeps failing
 * is set aside as dead after `maxAttempts`.
 */
export interface LocalQueues {
  queue<Message>(topic: string): Queue<Message>;
  /** Starts draining `topic` with `handler`, at most `concurrency` at a time. */
  consume(topic: string, handler: (body: unknown) => Promise<void>, options?: { concurrency?: number }): void;
  /** Resolves when no message is visible and none is being handled. */
  idle(): Promise<void>;
  /** Stops taking new messages and waits for the ones in hand. */
  stop(): Promise<void>;
  deadLetters(): DeadLetter[];
  /** Puts the dead letters back (all, or one topic's) as new messages; how many. */
  redrive(topic?: string): number;
  /** Deletes the dead letters (all, or one topic's); how many. */
  purge(topic?: string): number;
  /**
   * Makes visible now every message that waits (taken by a server that stopped, or set back after
   * a failure): for the server that holds the data directory, at start. How many.
   */
  recover(): number;
}

export interface DeadLetter {
  seq: number;
  topic: string;
  body: string;
  attempts: number;
  lastError: string | null;
}

export interface LocalQueueOptions {
  maxAttempts: number;
  /** How long a taken message stays invisible, as SQS's visibility timeout. */
  visibilityMs: number;
  /** Delay before a failed message is retried, multiplied by the attempt number. */
  retryDelayMs: number;
  /**
   * How often an idle consumer looks for messages another process put in the database (a
   * redrive from the CLI): default 2 s.
   */
  pollMs?: number;
  now?: () => number;
  onError?: (topic: string, error: unknown, attempts: number) => void;
}

export function createLocalQueues(db: DatabaseSync, options: LocalQueueOptions): LocalQueues {
  const state = openQueueTable(db, options);
  return {
    queue: <Message>(topic: string): Queue<Message> => ({ send: (messages) => send(state, topic, messages) }),
    consume: (topic, handler, consumeOptions) => consume(state, topic, handler, consumeOptions?.concurrency ?? 4),
    idle: () => whenSettled(state, () => state.inFlight === 0 && !visibleNow(state)),
    stop: async () => {
      state.stopping = true;
      state.timers.forEach((timer) => clearTimeout(timer));
      state.timers.clear();
      state.polls.forEach((poll) => clearInterval(poll));
      await whenSettled(state, () => state.inFlight === 0);
    },
    deadLetters: () =>
      (
        state.sql.dead.all() as {
          seq: number;
          topic: string;
          body: string;
          attempts: number;
          last_error: string | null;
        }[]
      ).map((row) => ({
        seq: row.seq,
        topic: row.topic,
        body: row.body,
        attempts: row.attempts,
        lastError: row.last_error,
      })),
    redrive: (topic) => {
      const changed = Number(state.sql.redrive.run(state.now(), topic ?? null, topic ?? null).changes);
      queueMicrotask(() => wake(state));
      return changed;
    },
    purge: (topic) => Number(state.sql.purge.run(topic ?? null, topic ?? null).changes),
    recover: () => {
      const at = state.now();
      const changed = Number(state.sql.recover.run(at, at).changes);
      queueMicrotask(() => wake(state));
      return changed;
    },
  };
}

interface QueueState {
  options: LocalQueueOptions;
  now: () => number;
  sql: ReturnType<typeof statements> & { transaction: (run: () => void) => void };
  events: EventEmitter;
  stopping: boolean;
  inFlight: number;
  timers: Set<NodeJS.Timeout>;
  polls: NodeJS.Timeout[];
  consumers: (() => void)[];
}

interface Taken {
  seq: number;
  body: string;
  attempts: number;
}

function openQueueTable(db: DatabaseSync, options: LocalQueueOptions): QueueState {
  db.exec(`CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    visible_at INTEGER NOT NULL,
    dead INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  )`);
  return {
    options,
    now: options.now ?? Date.now,
    sql: { ...statements(db), transaction: (run: () => void) => transaction(db, run) },
    events: new EventEmitter(),
    stopping: false,
    inFlight: 0,
    timers: new Set(),
    polls: [],
    consumers: [],
  };
}

function statements(db: DatabaseSync) {
  return {
    insert: db.prepare('INSERT INTO queue (topic, body, visible_at) VALUES (?, ?, ?)'),
    next: db.prepare(
      'SELECT seq, body, attempts FROM queue WHERE topic = ? AND dead = 0 AND visible_at <= ? ORDER BY seq LIMIT 1',
    ),
    take: db.prepare('UPDATE queue SET attempts = attempts + 1, visible_at = ? WHERE seq = ? AND visible_at <= ?'),
    remove: db.prepare('DELETE FROM queue WHERE seq = ?'),
    retry: db.prepare('UPDATE queue SET visible_at = ?, last_error = ? WHERE seq = ?'),
    kill: db.prepare('UPDATE queue SET dead = 1, last_error = ? WHERE seq = ?'),
    pending: db.prepare('SELECT MIN(visible_at) AS at FROM queue WHERE dead = 0'),
    pendingFor: db.prepare('SELECT MIN(visible_at) AS at FROM queue WHERE topic = ? AND dead = 0'),
    dead: db.prepare('SELECT seq, topic, body, attempts, last_error FROM queue WHERE dead = 1 ORDER BY seq'),
    redrive: db.prepare(
      'UPDATE queue SET dead = 0, attempts = 0, last_error = NULL, visible_at = ? WHERE dead = 1 AND (? IS NULL OR topic = ?)',
    ),
    purge: db.prepare('DELETE FROM queue WHERE dead = 1 AND (? IS NULL OR topic = ?)'),
    recover: db.prepare('UPDATE queue SET visible_at = ? WHERE dead = 0 AND visible_at > ?'),
  };
}

function transaction(db: DatabaseSync, run: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    run();
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** Stores every message in one transaction, then wakes the consumers. */
async function send(state: QueueState, topic: string, messages: readonly unknown[]): Promise<void> {
  const at = state.now();
  state.sql.transaction(() => {
    for (const message of messages) state.sql.insert.run(topic, JSON.stringify(message), at);
  });
  queueMicrotask(() => wake(state));
}

/** The oldest visible message of `topic`, made invisible for the visibility timeout, or undefined. */
function takeNext(state: QueueState, topic: string): Taken | undefined {
  const at = state.now();
  const row = state.sql.next.get(topic, at) as Taken | undefined;
  if (row === undefined) return undefined;
  const taken = state.sql.take.run(at + state.options.visibilityMs, row.seq, at);
  return Number(taken.changes) === 1 ? { ...row, attempts: row.attempts + 1 } : undefined;
}

function wake(state: QueueState): void {
  state.consumers.forEach((pump) => pump());
}

/**
 * One consumer's wake-up timer: armed for the earliest time asked, and forgotten as soon as it
 * fires, so that a timer that fired (early, as timers may) is never taken for one still pending.
 */
function wakeTimer(state: QueueState, pump: () => void): (at: number) => void {
  let pending: { at: number; timer: NodeJS.Timeout } | undefined;
  return (at) => {
    if (pending !== undefined && pending.at <= at) return;
    if (pending !== undefined) {
      clearTimeout(pending.timer);
      state.timers.delete(pending.timer);
    }
    const timer = setTimeout(
      () => {
        state.timers.delete(timer);
        pending = undefined;
        pump();
      },
      Math.max(0, at - state.now()),
    );
    timer.unref();
    state.timers.add(timer);
    pending = { at, timer };
  };
}

/** Drains `topic` with `handler`, at most `concurrency` at a time, as long as the queues run. */
function consume(state: QueueState, topic: string, handler: (body: unknown) => Promise<void>, concurrency: number) {
  let active = 0;
  const pump = (): void => {
    while (!state.stopping && active < concurrency) {
      const message = takeNext(state, topic);
      if (message === undefined) {
        // Nothing visible now: make sure a timer covers the next message that will be (a retry,
        // or one a crashed run left invisible). A timer can fire a millisecond before the wall
        // clock reaches its time; the pump it runs then arms the next one.
        const row = state.sql.pendingFor.get(topic) as { at: number | null };
        if (row.at !== null) wakeAt(row.at + 1);
        break;
      }
      if (message.attempts > state.options.maxAttempts) {
        // Its attempts are spent, and the last ended without an answer (the server stopped, or
        // the handler outlived the visibility timeout): set aside rather than taken again at
        // every restart.
        state.sql.kill.run(
          `stopped: taken ${message.attempts - 1} times, the last without an answer (the server stopped or the handler outlived the visibility timeout)`,
          message.seq,
        );
        continue;
      }
      active += 1;
      state.inFlight += 1;
      void handle(state, topic, message, handler).finally(() => {
        active -= 1;
        state.inFlight -= 1;
        state.events.emit('settled');
        pump();
      });
    }
  };
  const wakeAt = wakeTimer(state, pump);
  state.consumers.push(pump);
  // Another process may put messages in (a redrive): look now and then while idle.
  const poll = setInterval(() => {
    if (active === 0) pump();
  }, state.options.pollMs ?? 2_000);
  poll.unref();
  state.polls.push(poll);
  pump();
}

/** One message through its handler: removed when it succeeds, retried later or set aside as dead when it fails. */
async function handle(state: QueueState, topic: string, message: Taken, handler: (body: unknown) => Promise<void>) {
  try {
    await handler(JSON.parse(message.body));
    state.sql.remove.run(message.seq);
  } catch (error) {
    state.options.onError?.(topic, error, message.attempts);
    const { code, message: text } = describeError(error);
    if (message.attempts >= state.options.maxAttempts) state.sql.kill.run(`${code}: ${text}`, message.seq);
    else
      state.sql.retry.run(state.now() + state.options.retryDelayMs * message.attempts, `${code}: ${text}`, message.seq);
  }
}

function visibleNow(state: QueueState): boolean {
  const row = state.sql.pending.get() as { at: number | null };
  return row.at !== null && row.at <= state.now();
}

/** Resolves once `done()` holds, checked now and whenever a message settles. */
function whenSettled(state: QueueState, done: () => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const check = () => {
      if (done()) {
        state.events.off('settled', check);
        resolve();
      }
    };
    state.events.on('settled', check);
    check();
  });
}
