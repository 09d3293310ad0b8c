import type { DatabaseSync } from 'node:sqlite';

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { dynamoDb, isConditionalCheckFailed } from '../aws/dynamodb.ts';
import type { AwsJsonClient } from '../aws/json-protocol.ts';
import { ALLOWED, refused, type Guard } from './guard.ts';

/**
 * At most one fix in flight per target, and a cooldown after each fix: a lease held in the store
 * with conditional writes and an explicit expiry (never DynamoDB TTL, which deletes lazily).
 * `holder` is the alert instance, so the same instance retried after a crash takes its own lease
 * back.
 */
export interface TargetGuard {
  acquire(request: {
    target: string;
    holder: string;
    now: Date;
    leaseMs: number;
    cooldownMs: number;
  }): Promise<{ acquired: true } | { acquired: false; reason: string }>;
  /** Releases the lease; `applied` starts the cooldown. */
  release(request: { target: string; holder: string; now: Date; applied: boolean }): Promise<void>;
}

interface GuardState {
  holder: string | null;
  leaseUntil: number;
  lastAppliedAt: number | null;
}

/** Why the target cannot be taken now, or undefined when it can. Pure. */
export function refusal(
  state: GuardState | undefined,
  request: { holder: string; now: Date; cooldownMs: number },
): string | undefined {
  if (state === undefined) return undefined;
  const now = request.now.getTime();
  if (state.holder !== null && state.holder !== request.holder && state.leaseUntil > now) {
    return `another fix holds this target until ${new Date(state.leaseUntil).toISOString()}`;
  }
  if (state.lastAppliedAt !== null && now - state.lastAppliedAt < request.cooldownMs) {
    return `cooldown: the last fix on this target was at ${new Date(state.lastAppliedAt).toISOString()}, less than ${Math.round(request.cooldownMs / 60_000)} min ago`;
  }
  return undefined;
}

export function createSqliteTargetGuard(db: DatabaseSync): TargetGuard {
  db.exec(`CREATE TABLE IF NOT EXISTS target_guard (
    target TEXT PRIMARY KEY,
    holder TEXT,
    lease_until INTEGER NOT NULL,
    last_applied_at INTEGER
  )`);
  const select = db.prepare('SELECT holder, lease_until, last_applied_at FROM target_guard WHERE target = ?');
  const upsert =
    db.prepare(`INSERT INTO target_guard (target, holder, lease_until, last_applied_at) VALUES (?, ?, ?, NULL)
    ON CONFLICT (target) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until`);
  const release = db.prepare(
    'UPDATE target_guard SET holder = NULL, lease_until = 0, last_applied_at = COALESCE(?, last_applied_at) WHERE target = ? AND holder = ?',
  );
  const state = (target: string): GuardState | undefined => {
    const row = select.get(target) as
      { holder: string | null; lease_until: number; last_applied_at: number | null } | undefined;
    return row === undefined
      ? undefined
      : { holder: row.holder, leaseUntil: row.lease_until, lastAppliedAt: row.last_applied_at };
  };
  return {
    acquire: async (request) => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const reason = refusal(state(request.target), request);
        if (reason === undefined) upsert.run(request.target, request.holder, request.now.getTime() + request.leaseMs);
        db.exec('COMMIT');
        return reason === undefined ? { acquired: true } : { acquired: false, reason };
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    release: async (request) => {
      release.run(request.applied ? request.now.getTime() : null, request.target, request.holder);
    },
  };
}

/** The guard on DynamoDB: PK = TARGET#<target>, SK = GUARD, in the outcomes table. */
export function createDynamoTargetGuard(
  client: AwsJsonClient | DynamoDBClient,
  options: { tableName: string },
): TargetGuard {
  const doc = dynamoDb(client);
  const TableName = options.tableName;
  const key = (target: string) => ({ PK: `TARGET#${target}`, SK: 'GUARD' });
  return {
    acquire: async (request) => {
      const now = request.now.getTime();
      try {
        await doc.call('UpdateItem', {
          TableName,
          Key: key(request.target),
          UpdateExpression: 'SET holder = :me, leaseUntil = :lease',
          ConditionExpression:
            '(attribute_not_exists(holder) OR holder = :me OR leaseUntil <= :now) AND (attribute_not_exists(lastAppliedAt) OR lastAppliedAt <= :cooled)',
          ExpressionAttributeValues: {
            ':me': request.holder,
            ':lease': now + request.leaseMs,
            ':now': now,
            ':cooled': now - request.cooldownMs,
          },
        });
        return { acquired: true };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const item = (await doc.call('GetItem', { TableName, Key: key(request.target), ConsistentRead: true })).Item;
      const reason =
        refusal(
          item === undefined
            ? undefined
            : {
                holder: (item.holder as string | undefined) ?? null,
                leaseUntil: (item.leaseUntil as number | undefined) ?? 0,
                lastAppliedAt: (item.lastAppliedAt as number | undefined) ?? null,
              },
          request,
        ) ?? 'another fix took this target at the same moment';
      return { acquired: false, reason };
    },
    release: async (request) => {
      try {
        await doc.call('UpdateItem', {
          TableName,
          Key: key(request.target),
          UpdateExpression: request.applied
            ? 'REMOVE holder SET leaseUntil = :zero, lastAppliedAt = :now'
            : 'REMOVE holder SET leaseUntil = :zero',
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: {
            ':me': request.holder,
            ':zero': 0,
            ...(request.applied ? { ':now': request.now.getTime() } : {}),
          },
        });
      } catch (error) {
        // Lost the lease (it expired and another fix took it): nothing of ours to release.
        if (!isConditionalCheckFailed(error)) throw error;
      }
    },
  };
}

/** The object a fix changes, across clusters: `<cluster>/<Kind>/<namespace>/<name>`. */
export function targetKey(
  cluster: string | undefined,
  target: { kind: string; namespace?: string; name: string },
): string {
  return `${cluster ?? ''}/${target.kind}/${target.namespace ?? ''}/${target.name}`;
}

/**
 * One fix in flight per target (its lease, held through verification), and none again within the
 * cooldown after one was applied. Takes the lease when it allows: the write that follows releases
 * it (lib/pipeline/remediation/write.ts). Last in the chain, so nothing refuses after it.
 */
export const targetLease: Guard = {
  name: 'target-lease',
  what: 'one fix in flight per target (lease with explicit expiry), and a cooldown per target',
  fallback: (defaults) =>
    `lease = \`KUBEMEND_LEASE_SECONDS\` + verification; cooldown ${defaults.defaults.cooldownMinutes} min (\`cooldownMinutes\`)`,
  recordedAs: '`refused`: another fix holds this target / cooldown …',
  phase: 'write',
  onResume: true,
  check: async ({ targetGuard, targetKey: target, outcome, now, leaseMs, rule, config }) => {
    const taken = await targetGuard.acquire({
      target,
      holder: outcome.id,
      now,
      leaseMs,
      cooldownMs: (rule.cooldownMinutes ?? config.defaults.cooldownMinutes) * 60_000,
    });
    return taken.acquired ? ALLOWED : refused(taken.reason);
  },
};
