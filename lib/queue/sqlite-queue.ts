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
  deadLetters(): { topic: string; body: string; attempts: number; lastError: string | null }[];
}

export interface LocalQueueOptions {
  maxAttempts: number;
  /** How long a taken message stays invisible, as SQS's visibility timeout. */
  visibilityMs: number;
  /** Delay before a failed message is retried, multiplied by the attempt number. */
  retryDelayMs: number;
  now?: () => number;
  onError?: (topic: string, error: unknown, attempts: number) => void;
}

export function createLocalQueues(db: DatabaseSync, options: LocalQueueOptions): LocalQueues {
  db.exec(`CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    visible_at INTEGER NOT NULL,
    dead INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  )`);
  const now = options.now ?? Date.now;
  const events = new EventEmitter();
  const insert = db.prepare('INSERT INTO queue (topic, body, visible_at) VALUES (?, ?, ?)');
  const next = db.prepare(
    'SELECT seq, body, attempts FROM queue WHERE topic = ? AND dead = 0 AND visible_at <= ? ORDER BY seq LIMIT 1',
  );
  const take = db.prepare('UPDATE queue SET attempts = attempts + 1, visible_at = ? WHERE seq = ? AND visible_at <= ?');
  const remove = db.prepare('DELETE FROM queue WHERE seq = ?');
  const retry = db.prepare('UPDATE queue SET visible_at = ?, last_error = ? WHERE seq = ?');
  const kill = db.prepare('UPDATE queue SET dead = 1, last_error = ? WHERE seq = ?');
  const pending = db.prepare('SELECT MIN(visible_at) AS at FROM queue WHERE dead = 0');
  const pendingFor = db.prepare('SELECT MIN(visible_at) AS at FROM queue WHERE topic = ? AND dead = 0');
  const dead = db.prepare('SELECT topic, body, attempts, last_error FROM queue WHERE dead = 1 ORDER BY seq');

  let stopping = false;
  let inFlight = 0;
  const timers = new Set<NodeJS.Timeout>();
  const consumers: (() => void)[] = [];

  const takeNext = (topic: string): { seq: number; body: string; attempts: number } | undefined => {
    const at = now();
    const row = next.get(topic, at) as { seq: number; body: string; attempts: number } | undefined;
    if (row === undefined) return undefined;
    const taken = take.run(at + options.visibilityMs, row.seq, at);
    return Number(taken.changes) === 1 ? { ...row, attempts: row.attempts + 1 } : undefined;
  };

  const wake = () => consumers.forEach((pump) => pump());
  const wakeAt = (at: number) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        wake();
      },
      Math.max(0, at - now()),
    );
    timer.unref();
    timers.add(timer);
  };

  return {
    queue: <Message>(topic: string): Queue<Message> => ({
      send: async (messages) => {
        const at = now();
        db.exec('BEGIN IMMEDIATE');
        try {
          for (const message of messages) insert.run(topic, JSON.stringify(message), at);
          db.exec('COMMIT');
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
        queueMicrotask(wake);
      },
    }),

    consume: (topic, handler, consumeOptions) => {
      const concurrency = consumeOptions?.concurrency ?? 4;
      let active = 0;
      let nextWake: number | undefined;
      const pump = (): void => {
        while (!stopping && active < concurrency) {
          const message = takeNext(topic);
          if (message === undefined) {
            // Nothing visible now: make sure a timer covers the next message that will be (a
            // retry, or one a crashed run left invisible). A timer can fire a millisecond before
            // the wall clock reaches its time, so each pump re-arms rather than trusting one shot.
            const row = pendingFor.get(topic) as { at: number | null };
            if (row.at !== null && !stopping && (nextWake === undefined || nextWake <= now() || row.at < nextWake)) {
              nextWake = row.at + 1;
              wakeAt(nextWake);
            }
            break;
          }
          active += 1;
          inFlight += 1;
          void (async () => {
            try {
              await handler(JSON.parse(message.body));
              remove.run(message.seq);
            } catch (error) {
              options.onError?.(topic, error, message.attempts);
              const { code, message: text } = describeError(error);
              if (message.attempts >= options.maxAttempts) kill.run(`${code}: ${text}`, message.seq);
              else {
                retry.run(now() + options.retryDelayMs * message.attempts, `${code}: ${text}`, message.seq);
              }
            } finally {
              active -= 1;
              inFlight -= 1;
              events.emit('settled');
              pump();
            }
          })();
        }
      };
      consumers.push(pump);
      pump();
    },

    idle: () =>
      new Promise<void>((resolve) => {
        const check = () => {
          const row = pending.get() as { at: number | null };
          const waiting = row.at !== null && row.at <= now();
          if (inFlight === 0 && !waiting) {
            events.off('settled', check);
            resolve();
          }
        };
        events.on('settled', check);
        check();
      }),

    stop: async () => {
      stopping = true;
      timers.forEach((timer) => clearTimeout(timer));
      timers.clear();
      if (inFlight === 0) return;
      await new Promise<void>((resolve) => {
        const check = () => {
          if (inFlight === 0) {
            events.off('settled', check);
            resolve();
          }
        };
        events.on('settled', check);
      });
    },

    deadLetters: () =>
      (dead.all() as { topic: string; body: string; attempts: number; last_error: string | null }[]).map((row) => ({
        topic: row.topic,
        body: row.body,
        attempts: row.attempts,
        lastError: row.last_error,
      })),
  };
}
