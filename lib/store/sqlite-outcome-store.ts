import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import type { Outcome } from '../domain/types.ts';
import { ConfigError, LeaseLostError, NotFoundError } from '../errors.ts';
import {
  decodeOutcome,
  matchesFilter,
  newOutcome,
  resolvedOutcome,
  type ClaimRequest,
  type ClaimResult,
  type OutcomeStore,
} from './outcome-store.ts';

/**
 * Opens (creating if needed) the embedded database under a data directory. A directory it creates
 * is readable by its owner only (0700); one that exists keeps its mode (it may be one the user
 * chose for other things too). The database file is 0600, and SQLite gives its WAL and
 * shared-memory files the same mode. With `create: false` (commands that only read) a directory
 * or database that is not there is a NotFoundError naming it, and nothing is made. A path that is
 * a file, or a directory it may not write, is a ConfigError saying so.
 */
export function openLocalDatabase(dataDir: string, { create = true }: { create?: boolean } = {}): DatabaseSync {
  const file = join(dataDir, 'kubemend.db');
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new ConfigError(`the data directory ${dataDir} is a file, not a directory (--data-dir, KUBEMEND_DATA_DIR)`);
  }
  if (!create && !existsSync(file)) {
    throw new NotFoundError(
      `no kubemend store in ${dataDir}: nothing has been recorded there (kubemend serve and run write one; --data-dir or KUBEMEND_DATA_DIR reads another)`,
    );
  }
  try {
    if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `cannot ${existsSync(dataDir) ? 'write the store in' : 'create the data directory'} ${dataDir}: ${code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied or read-only' : (error as Error).message} (--data-dir, KUBEMEND_DATA_DIR)`,
      { cause: error },
    );
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA busy_timeout = 5000');
    return db;
  } catch (error) {
    db?.close();
    throw new ConfigError(
      `cannot open the store in ${dataDir}: ${(error as Error).message} (its directory must be writable: --data-dir, KUBEMEND_DATA_DIR)`,
      { cause: error },
    );
  }
}

/** Whose claims a store makes: `kubemend serve`'s are released when the next server starts. */
export type LeaseOwner = 'serve' | 'cli';

/**
 * The embedded OutcomeStore for laptops and single-process use, on Node's built-in SQLite (no
 * native addon). Claims run in an IMMEDIATE transaction, so processes sharing the file (the
 * server and the CLI) see one winner. Each claim notes its `owner`, so that a server starting
 * after a crash can release the leases its predecessor held (releaseServerLeases).
 */
export function createSqliteOutcomeStore(db: DatabaseSync, owner: LeaseOwner = 'cli'): OutcomeStore {
  createOutcomesTable(db);
  const sql = statements(db);
  const transaction = <T>(run: () => T): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = run();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  };

  return {
    claim: async (request) => transaction(() => claimRow(sql, request, owner)),

    save: async (outcome, leaseUntil) => {
      const changed = sql.update.run(
        outcome.stage,
        leaseUntil === null ? 0 : leaseUntil.getTime(),
        outcome.attempts,
        JSON.stringify(outcome),
        outcome.id,
        outcome.attempts,
      );
      if (Number(changed.changes) !== 1) throw new LeaseLostError(outcome.id);
    },

    get: async (id) => {
      const row = sql.select.get(id) as Row | undefined;
      return row === undefined ? undefined : fromRow(row);
    },

    recent: async ({ limit, filter }) => {
      const outcomes: Outcome[] = [];
      // Row by row, newest first, so a narrow filter over a long history holds only what it returns.
      for (const row of sql.recent.iterate(filter?.since?.toISOString() ?? '')) {
        const outcome = fromRow(row as unknown as Row);
        if (matchesFilter(outcome, filter)) outcomes.push(outcome);
        if (outcomes.length >= limit) break;
      }
      return outcomes;
    },

    markResolved: async (id, alert, cluster, now) => {
      transaction(() => {
        const row = sql.select.get(id) as Row | undefined;
        if (row === undefined) {
          const outcome = resolvedOutcome(id, alert, cluster, now);
          sql.insert.run(
            id,
            outcome.timings.receivedAt,
            outcome.stage,
            0,
            outcome.attempts,
            alert.endsAt,
            JSON.stringify(outcome),
            null,
          );
          return;
        }
        sql.setResolved.run(alert.endsAt, id);
      });
    },

    close: async () => {
      if (db.isOpen) db.close();
    },
  };
}

function createOutcomesTable(db: DatabaseSync): void {
  db.exec(`CREATE TABLE IF NOT EXISTS outcomes (
    id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    stage TEXT NOT NULL,
    lease_until INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    resolved_at TEXT,
    doc TEXT NOT NULL,
    lease_owner TEXT
  )`);
  // A store written before leases had owners gains the column; its old claims have none. Two
  // processes opening it at once may both try: the one that loses finds the column there.
  const columns = db.prepare('PRAGMA table_info(outcomes)').all() as { name: string }[];
  if (!columns.some((column) => column.name === 'lease_owner')) {
    try {
      db.exec('ALTER TABLE outcomes ADD COLUMN lease_owner TEXT');
    } catch (error) {
      if (!/duplicate column name/.test((error as Error).message)) throw error;
    }
  }
  db.exec('CREATE INDEX IF NOT EXISTS outcomes_received_at ON outcomes (received_at)');
}

/**
 * Ends every lease a previous `kubemend serve` on this store still holds, so that the work it had
 * in hand is taken over at once rather than when the leases run out. Only for the server that
 * holds the data directory (lockDataDir): no other server can be alive then, and the leases of
 * one-shot CLI commands, which may be, are kept. Leases from before leases had owners (no owner)
 * count as a server's: a store is upgraded by the server that starts on it. How many records
 * were released.
 */
export function releaseServerLeases(db: DatabaseSync, now: Date): number {
  createOutcomesTable(db);
  const release = db.prepare(
    "UPDATE outcomes SET lease_until = 0 WHERE (lease_owner = 'serve' OR lease_owner IS NULL) AND lease_until > ?",
  );
  return Number(release.run(now.getTime()).changes);
}

interface Row {
  stage: string;
  lease_until: number;
  attempts: number;
  resolved_at: string | null;
  doc: string;
}

function statements(db: DatabaseSync) {
  return {
    select: db.prepare('SELECT stage, lease_until, attempts, resolved_at, doc FROM outcomes WHERE id = ?'),
    insert: db.prepare(
      'INSERT INTO outcomes (id, received_at, stage, lease_until, attempts, resolved_at, doc, lease_owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    takeOver: db.prepare(
      'UPDATE outcomes SET stage = ?, lease_until = ?, attempts = ?, doc = ?, lease_owner = ? WHERE id = ? AND attempts = ?',
    ),
    update: db.prepare(
      'UPDATE outcomes SET stage = ?, lease_until = ?, attempts = ?, doc = ? WHERE id = ? AND attempts = ?',
    ),
    setResolved: db.prepare('UPDATE outcomes SET resolved_at = ? WHERE id = ?'),
    recent: db.prepare(
      'SELECT stage, lease_until, attempts, resolved_at, doc FROM outcomes WHERE received_at >= ? ORDER BY received_at DESC, id DESC',
    ),
  };
}

// resolved_at is its own column so that a resolution noted while a worker holds the record
// survives that worker's next save.
function fromRow(row: Row): Outcome {
  const outcome = decodeOutcome(row.doc);
  return row.resolved_at === null ? outcome : { ...outcome, resolvedAt: row.resolved_at };
}

/** A claim, inside the caller's transaction: a new record, a takeover after the lease, or why not. */
function claimRow(sql: ReturnType<typeof statements>, request: ClaimRequest, owner: LeaseOwner): ClaimResult {
  const row = sql.select.get(request.id) as Row | undefined;
  const leaseUntil = request.now.getTime() + request.leaseMs;
  if (row === undefined) {
    const outcome = newOutcome(request);
    sql.insert.run(
      request.id,
      outcome.timings.receivedAt,
      outcome.stage,
      leaseUntil,
      outcome.attempts,
      null,
      JSON.stringify(outcome),
      owner,
    );
    return { claimed: true, outcome };
  }
  const existing = fromRow(row);
  if (row.stage === 'done') return { claimed: false, outcome: existing, why: 'done' };
  if (row.lease_until > request.now.getTime()) return { claimed: false, outcome: existing, why: 'leased' };
  const outcome: Outcome = { ...existing, attempts: row.attempts + 1 };
  sql.takeOver.run(
    outcome.stage,
    leaseUntil,
    outcome.attempts,
    JSON.stringify(outcome),
    owner,
    request.id,
    row.attempts,
  );
  return { claimed: true, outcome };
}
