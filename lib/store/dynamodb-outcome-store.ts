import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import type { Alert } from '../alert/schema.ts';
import { dynamoDb, isConditionalCheckFailed, type DynamoDb } from '../aws/dynamodb.ts';
import type { AwsJsonClient } from '../aws/json-protocol.ts';
import type { Outcome } from '../domain/types.ts';
import { LeaseLostError } from '../errors.ts';
import {
  decodeOutcome,
  matchesFilter,
  newOutcome,
  resolvedOutcome,
  type ClaimRequest,
  type ClaimResult,
  type HistoryFilter,
  type OutcomeStore,
} from './outcome-store.ts';

/**
 * Single-table layout. One item per alert instance:
 *   PK = ALERT#<fingerprint>@<startsAt>, SK = OUTCOME
 *   stage, leaseUntil (epoch ms), attempts (fencing token), resolvedAt, doc (the Outcome as JSON),
 *   expiresAt (epoch seconds, the table's TTL attribute)
 * History index GSI1: GSI1PK = DAY#<yyyy-mm-dd of receipt>, GSI1SK = <receivedAt>#<id>.
 */
export const HISTORY_INDEX = 'GSI1';
const SK = 'OUTCOME';
const DAY_MS = 86_400_000;

export interface DynamoOutcomeStoreOptions {
  tableName: string;
  /** Days a record is kept before DynamoDB TTL may delete it. */
  retentionDays: number;
  /** How many days back `recent` looks at most. */
  historyDays?: number;
}

interface Item {
  PK: string;
  SK: string;
  stage: string;
  leaseUntil: number;
  attempts: number;
  resolvedAt?: string;
  doc: string;
  GSI1PK: string;
  GSI1SK: string;
  expiresAt: number;
}

/**
 * The OutcomeStore on DynamoDB, with conditional writes for claims and saves: through the AWS JSON
 * client (the functions), or an SDK client (the CLI, the tests).
 */
export function createDynamoOutcomeStore(
  client: AwsJsonClient | DynamoDBClient,
  options: DynamoOutcomeStoreOptions,
): OutcomeStore {
  const doc = dynamoDb(client, { removeUndefinedValues: true });
  const TableName = options.tableName;
  const key = (id: string) => ({ PK: `ALERT#${id}`, SK });
  const fromItem = (item: Record<string, unknown>): Outcome => {
    const typed = item as unknown as Item;
    const outcome = decodeOutcome(typed.doc);
    return typed.resolvedAt === undefined ? outcome : { ...outcome, resolvedAt: typed.resolvedAt };
  };
  const toItem = (outcome: Outcome, leaseUntil: number): Item => {
    const received = new Date(outcome.timings.receivedAt);
    return {
      ...key(outcome.id),
      stage: outcome.stage,
      leaseUntil,
      attempts: outcome.attempts,
      ...(outcome.resolvedAt === undefined ? {} : { resolvedAt: outcome.resolvedAt }),
      doc: JSON.stringify(outcome),
      GSI1PK: `DAY#${outcome.timings.receivedAt.slice(0, 10)}`,
      GSI1SK: `${outcome.timings.receivedAt}#${outcome.id}`,
      expiresAt: Math.floor((received.getTime() + options.retentionDays * DAY_MS) / 1000),
    };
  };

  const table: Table = { doc, TableName, key, fromItem, toItem, historyDays: options.historyDays ?? 30 };
  const store: OutcomeStore = {
    claim: (request) => claim(table, request),

    save: async (outcome, leaseUntil) => {
      try {
        await doc.call('UpdateItem', {
          TableName,
          Key: key(outcome.id),
          UpdateExpression: 'SET stage = :stage, leaseUntil = :lease, doc = :doc',
          ConditionExpression: 'attempts = :mine',
          ExpressionAttributeValues: {
            ':stage': outcome.stage,
            ':lease': leaseUntil === null ? 0 : leaseUntil.getTime(),
            ':doc': JSON.stringify(outcome),
            ':mine': outcome.attempts,
          },
        });
      } catch (error) {
        if (isConditionalCheckFailed(error)) throw new LeaseLostError(outcome.id);
        throw error;
      }
    },

    get: async (id) => {
      const result = await doc.call('GetItem', { TableName, Key: key(id), ConsistentRead: true });
      return result.Item === undefined ? undefined : fromItem(result.Item);
    },

    recent: (query) => recent(table, query),

    markResolved: (id, alert, cluster, now) => markResolved(table, id, alert, cluster, now),

    // Nothing to release: the calls share the process's kept-alive connections (or the caller's SDK client).
    close: async () => undefined,
  };
  return store;
}

/** What the operations share: the document client, the table and the item mapping. */
interface Table {
  doc: DynamoDb;
  TableName: string;
  key: (id: string) => { PK: string; SK: string };
  fromItem: (item: Record<string, unknown>) => Outcome;
  toItem: (outcome: Outcome, leaseUntil: number) => Item;
  historyDays: number;
}

/** A new record, a takeover after the lease (the fencing token moves on), or why not. */
async function claim(table: Table, request: ClaimRequest): Promise<ClaimResult> {
  const { doc, TableName, key, fromItem, toItem } = table;
  const now = request.now.getTime();
  const leaseUntil = now + request.leaseMs;
  const fresh = newOutcome(request);
  try {
    await doc.call('PutItem', {
      TableName,
      Item: toItem(fresh, leaseUntil),
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    return { claimed: true, outcome: fresh };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
  const existing = await doc.call('GetItem', { TableName, Key: key(request.id), ConsistentRead: true });
  if (existing.Item === undefined) return claim(table, request);
  const current = existing.Item as unknown as Item;
  const outcome = fromItem(existing.Item);
  if (current.stage === 'done') return { claimed: false, outcome, why: 'done' };
  if (current.leaseUntil > now) return { claimed: false, outcome, why: 'leased' };
  const taken: Outcome = { ...outcome, attempts: current.attempts + 1 };
  try {
    await doc.call('UpdateItem', {
      TableName,
      Key: key(request.id),
      UpdateExpression: 'SET leaseUntil = :lease, attempts = :next, doc = :doc',
      ConditionExpression: 'attempts = :seen AND stage <> :done AND leaseUntil <= :now',
      ExpressionAttributeValues: {
        ':lease': leaseUntil,
        ':next': taken.attempts,
        ':doc': JSON.stringify(taken),
        ':seen': current.attempts,
        ':done': 'done',
        ':now': now,
      },
    });
  } catch (error) {
    if (isConditionalCheckFailed(error)) return { claimed: false, outcome, why: 'leased' };
    throw error;
  }
  return { claimed: true, outcome: taken };
}

/** Newest first, a day's history partition at a time, up to `limit` that match. */
async function recent(table: Table, { limit, filter }: { limit: number; filter?: HistoryFilter }): Promise<Outcome[]> {
  const { doc, TableName, fromItem } = table;
  const outcomes: Outcome[] = [];
  const today = Date.now();
  const oldest = filter?.since?.toISOString().slice(0, 10) ?? '';
  for (let day = 0; day < table.historyDays && outcomes.length < limit; day += 1) {
    const date = new Date(today - day * DAY_MS).toISOString().slice(0, 10);
    if (date < oldest) break;
    const partition = `DAY#${date}`;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.call('Query', {
        TableName,
        IndexName: HISTORY_INDEX,
        KeyConditionExpression: 'GSI1PK = :day',
        ExpressionAttributeValues: { ':day': partition },
        ScanIndexForward: false,
        Limit: filter === undefined ? limit - outcomes.length : 100,
        ExclusiveStartKey: startKey,
      });
      outcomes.push(...(page.Items ?? []).map(fromItem).filter((outcome) => matchesFilter(outcome, filter)));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && outcomes.length < limit);
  }
  return outcomes.slice(0, limit);
}

/** Notes the resolution on the record, or creates a final `resolved` one when there is none. */
async function markResolved(
  table: Table,
  id: string,
  alert: Alert,
  cluster: string | undefined,
  now: Date,
): Promise<void> {
  const { doc, TableName, key, toItem } = table;
  try {
    await doc.call('UpdateItem', {
      TableName,
      Key: key(id),
      UpdateExpression: 'SET resolvedAt = :at',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':at': alert.endsAt },
    });
    return;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
  try {
    await doc.call('PutItem', {
      TableName,
      Item: toItem(resolvedOutcome(id, alert, cluster, now), 0),
      ConditionExpression: 'attribute_not_exists(PK)',
    });
  } catch (error) {
    // The firing notification's record appeared in between: note the resolution on it.
    if (isConditionalCheckFailed(error)) return markResolved(table, id, alert, cluster, now);
    throw error;
  }
}
