import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { parseDocument } from 'yaml';

/** The outcomes table exactly as serverless.yml declares it, so tests and deployment cannot drift. */
export function tableDefinition(): { properties: CreateTableCommandInput; ttlAttribute: string } {
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

/** Creates the outcomes table under `tableName` on the emulator. */
export async function createOutcomesTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { properties, ttlAttribute } = tableDefinition();
  await client.send(new CreateTableCommand({ ...properties, TableName: tableName }));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
    }),
  );
}
