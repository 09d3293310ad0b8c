import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { parseDocument } from 'yaml';

import { alertId } from '../../lib/alert/identity.ts';
import { createDynamoOutcomeStore } from '../../lib/store/dynamodb-outcome-store.ts';
import type { OutcomeStore } from '../../lib/store/outcome-store.ts';
import { outcomeStoreContract } from '../contracts/outcome-store.contract.ts';
import { alertFixture } from '../helpers/fixtures.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';

/** The table exactly as serverless.yml declares it, so the test and the deployment cannot drift. */
function tableDefinition(): { properties: CreateTableCommandInput; ttlAttribute: string } {
  const text = readFileSync(join(import.meta.dirname, '../../serverless.yml'), 'utf8');
  const passthrough = (tag: string) => ({ tag, resolve: (value: string) => value });
  const document = parseDocument(text, {
    customTags: [passthrough('!Ref'), passthrough('!GetAtt'), passthrough('!Sub')],
  });
  const spec = document.toJS() as {
    resources: {
      Resources: {
        OutcomesTable: { Properties: Record<string, unknown> & { TimeToLiveSpecification: { AttributeName: string } } };
      };
    };
  };
  // TTL is its own API call; point-in-time recovery and the CloudFormation SSE shape are not
  // CreateTable parameters. Keys, attributes, billing and indexes are used as declared.
  const {
    TimeToLiveSpecification,
    PointInTimeRecoverySpecification: _pitr,
    SSESpecification: _sse,
    ...properties
  } = spec.resources.Resources.OutcomesTable.Properties;
  return {
    properties: properties as unknown as CreateTableCommandInput,
    ttlAttribute: TimeToLiveSpecification.AttributeName,
  };
}

let moto: Moto;
let client: DynamoDBClient;
let tables = 0;
const stores: OutcomeStore[] = [];

beforeAll(async () => {
  moto = await startMoto();
  client = new DynamoDBClient({
    endpoint: moto.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  client.destroy();
  await moto.stop();
});

async function freshStore(): Promise<OutcomeStore> {
  const { properties, ttlAttribute } = tableDefinition();
  tables += 1;
  const tableName = `kubemend-test-${tables}`;
  await client.send(new CreateTableCommand({ ...properties, TableName: tableName }));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
    }),
  );
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
