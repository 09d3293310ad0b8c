import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeTimeToLiveCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { alertId } from '../../lib/alert/identity.ts';
import { createDynamoFindingsStore } from '../../lib/audit/dynamodb-findings-store.ts';
import { createDynamoTargetGuard } from '../../lib/guardrails/target-guard.ts';
import { createDynamoOutcomeStore } from '../../lib/store/dynamodb-outcome-store.ts';
import type { OutcomeStore } from '../../lib/store/outcome-store.ts';
import { findingsStoreContract } from '../contracts/findings-store.contract.ts';
import { outcomeStoreContract } from '../contracts/outcome-store.contract.ts';
import { targetGuardContract } from '../contracts/target-guard.contract.ts';
import { createOutcomesTable } from '../helpers/dynamodb.ts';
import { alertFixture } from '../helpers/fixtures.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';

let moto: Moto;
let client: DynamoDBClient;
let tables = 0;
const stores: OutcomeStore[] = [];

beforeAll(async () => {
  moto = await startMoto();
  client = moto.dynamodb();
}, 60_000);

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  client.destroy();
  await moto.stop();
});

async function freshStore(): Promise<OutcomeStore> {
  tables += 1;
  const tableName = `kubemend-test-${tables}`;
  await createOutcomesTable(client, tableName);
  const store = createDynamoOutcomeStore(client, { tableName, retentionDays: 90 });
  stores.push(store);
  return store;
}

outcomeStoreContract('DynamoDB on the AWS emulator', freshStore);

describe('DynamoDB table from serverless.yml', () => {
  it('expires records through the TTL attribute the table declares, after the retention period', async () => {
    const store = await freshStore();
    const tableName = `kubemend-test-${tables}`;
    const alert = alertFixture();
    const now = new Date('2026-11-26T02:20:00Z');

    await store.claim({ id: alertId(alert), alert, cluster: undefined, now, leaseMs: 1 });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const item = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { PK: { S: `ALERT#${alertId(alert)}` }, SK: { S: 'OUTCOME' } } }),
    );

    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    expect(Number(item.Item?.expiresAt?.N)).toBe(now.getTime() / 1000 + 90 * 86_400);
  });
});

findingsStoreContract('DynamoDB on the AWS emulator', async () => {
  tables += 1;
  const tableName = `kubemend-test-${tables}`;
  await createOutcomesTable(client, tableName);
  return createDynamoFindingsStore(client, { tableName, retentionDays: 90 });
});

targetGuardContract('DynamoDB on the AWS emulator', async () => {
  tables += 1;
  const tableName = `kubemend-test-${tables}`;
  await createOutcomesTable(client, tableName);
  return createDynamoTargetGuard(client, { tableName });
});
