import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { dynamoDb } from '../aws/dynamodb.ts';
import type { AwsJsonClient } from '../aws/json-protocol.ts';
import type { AuditReport, FindingsStore } from './findings-store.ts';
import type { Finding } from './finding.ts';

/**
 * Audit findings in the outcomes table: PK = AUDIT#<cluster>, SK = FINDING#<key>, with
 * firstSeen, lastSeen, resolvedAt and the finding as JSON. Resolved findings expire through the
 * table's TTL attribute after the retention period.
 */
export function createDynamoFindingsStore(
  client: AwsJsonClient | DynamoDBClient,
  options: { tableName: string; retentionDays: number },
): FindingsStore {
  const doc = dynamoDb(client, { removeUndefinedValues: true });
  const TableName = options.tableName;
  /**
   * The open findings' items, page by page: of one cluster (its partition, a query) or of all (a
   * scan of the audit items, for an operator's `kubemend findings`).
   */
  const openItems = async (cluster: string | undefined): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await (cluster === undefined
        ? doc.call('Scan', {
            TableName,
            FilterExpression:
              'begins_with(PK, :audit) AND begins_with(SK, :finding) AND attribute_not_exists(resolvedAt)',
            ExpressionAttributeValues: { ':audit': 'AUDIT#', ':finding': 'FINDING#' },
            ExclusiveStartKey: startKey,
          })
        : doc.call('Query', {
            TableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :finding)',
            FilterExpression: 'attribute_not_exists(resolvedAt)',
            ExpressionAttributeValues: { ':pk': `AUDIT#${cluster}`, ':finding': 'FINDING#' },
            ExclusiveStartKey: startKey,
          }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  };
  return {
    open: async (cluster) =>
      (await openItems(cluster))
        .map((item) => ({
          ...(JSON.parse(item.finding as string) as Finding),
          cluster: (item.PK as string).slice('AUDIT#'.length),
          since: item.firstSeen as string,
          lastSeen: item.lastSeen as string,
        }))
        .sort(
          (a, b) => a.cluster.localeCompare(b.cluster) || a.since.localeCompare(b.since) || a.key.localeCompare(b.key),
        ),
    record: async (cluster, findings, now, audit = { complete: true }) => {
      const at = now.toISOString();
      const open = new Map<string, { since: string; finding: Finding }>();
      for (const item of await openItems(cluster)) {
        const finding = JSON.parse(item.finding as string) as Finding;
        open.set(finding.key, { since: item.firstSeen as string, finding });
      }

      const report: AuditReport = { cluster, at, new: [], open: [], resolved: [] };
      for (const finding of findings) {
        const previous = open.get(finding.key);
        if (previous === undefined) report.new.push(finding);
        else report.open.push({ ...finding, since: previous.since });
        await doc.call('PutItem', {
          TableName,
          Item: {
            PK: `AUDIT#${cluster}`,
            SK: `FINDING#${finding.key}`,
            firstSeen: previous?.since ?? at,
            lastSeen: at,
            finding: JSON.stringify(finding),
          },
        });
      }
      const current = new Set(findings.map((finding) => finding.key));
      for (const [key, previous] of open) {
        if (current.has(key) || !audit.complete) continue;
        await doc.call('UpdateItem', {
          TableName,
          Key: { PK: `AUDIT#${cluster}`, SK: `FINDING#${key}` },
          UpdateExpression: 'SET resolvedAt = :at, expiresAt = :expires',
          ExpressionAttributeValues: {
            ':at': at,
            ':expires': Math.floor(now.getTime() / 1000) + options.retentionDays * 86_400,
          },
        });
        report.resolved.push({ ...previous.finding, since: previous.since });
      }
      return report;
    },
  };
}
