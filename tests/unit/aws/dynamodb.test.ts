import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';

import {
  documentCalls,
  dynamoDb,
  dynamoDbClient,
  isConditionalCheckFailed,
  marshallItem,
  unmarshallItem,
  type DynamoDb,
} from '../../../lib/aws/dynamodb.ts';
import { parseAwsEnv } from '../../../lib/env.ts';
import { AwsServiceError } from '../../../lib/errors.ts';
import { startFakeAws, type FakeAws } from '../../helpers/loopback.ts';

const TableName = 'kubemend-test';
let aws: FakeAws;

beforeAll(async () => {
  aws = await startFakeAws();
});

afterAll(() => aws.close());

beforeEach(() => {
  aws.items = new Map();
  aws.requests.splice(0);
  aws.override = undefined;
});

describe('marshallItem and unmarshallItem', () => {
  it('write each kind of value as its DynamoDB attribute value', () => {
    expect(
      marshallItem({
        s: 'x',
        n: 1.5,
        b: false,
        z: null,
        l: ['a', 2],
        m: { inner: { deep: true } },
        ss: new Set(['a', 'b']),
        ns: new Set([1, 2]),
      }),
    ).toEqual({
      s: { S: 'x' },
      n: { N: '1.5' },
      b: { BOOL: false },
      z: { NULL: true },
      l: { L: [{ S: 'a' }, { N: '2' }] },
      m: { M: { inner: { M: { deep: { BOOL: true } } } } },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2'] },
    });
  });

  it('leave undefined attributes out only when asked to, and refuse them otherwise', () => {
    expect(marshallItem({ a: 'x', gone: undefined, m: { gone: undefined } }, true)).toEqual({
      a: { S: 'x' },
      m: { M: {} },
    });
    expect(() => marshallItem({ gone: undefined })).toThrow('DynamoDB attribute gone is undefined');
  });

  it('refuse what DynamoDB cannot hold as kubemend writes it', () => {
    expect(() => marshallItem({ n: Number.NaN })).toThrow('not a finite number');
    expect(() => marshallItem({ n: 2 ** 60 })).toThrow('within the safe integers');
    expect(() => marshallItem({ d: new Date(0) })).toThrow('only plain objects');
    expect(() => marshallItem({ f: () => 1 })).toThrow('a function cannot be stored');
    expect(() => unmarshallItem({ n: { N: '90071992547409930' } })).toThrow('does not fit a JavaScript number');
    expect(() => unmarshallItem({ b: { B: 'AA==' } })).toThrow('type B is not read');
  });

  it('keep an attribute named __proto__ as an attribute, never as a prototype', () => {
    const item = unmarshallItem(
      JSON.parse('{"__proto__": {"M": {"polluted": {"BOOL": true}}}}') as Record<string, never>,
    );
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(Object.keys(item)).toEqual(['__proto__']);
    expect(marshallItem(item)).toEqual(JSON.parse('{"__proto__": {"M": {"polluted": {"BOOL": true}}}}'));
  });

  it('give back what they were given', () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        scalar,
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value), (item) => {
        // -0 is written as "0" and read as 0, as DynamoDB keeps it.
        const expected = JSON.parse(JSON.stringify(item)) as unknown;
        expect(JSON.parse(JSON.stringify(unmarshallItem(marshallItem(item))))).toEqual(expected);
      }),
    );
  });
});

/** The operations both transports are checked with, on the same loopback DynamoDB. */
function behavesAsATable(name: string, table: () => DynamoDb) {
  describe(name, () => {
    it('puts an item with a condition, reads it back as plain values, and names a failed condition', async () => {
      const item = { PK: 'ALERT#a', SK: 'OUTCOME', attempts: 2, stage: 'received', gone: undefined };
      await table().call('PutItem', { TableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' });

      const second = table().call('PutItem', {
        TableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      const error = await second.catch((caught: unknown) => caught);
      expect(isConditionalCheckFailed(error)).toBe(true);

      const { Item } = await table().call('GetItem', { TableName, Key: { PK: 'ALERT#a', SK: 'OUTCOME' } });
      expect(Item).toEqual({ PK: 'ALERT#a', SK: 'OUTCOME', attempts: 2, stage: 'received' });
      const { Item: missing } = await table().call('GetItem', { TableName, Key: { PK: 'ALERT#b', SK: 'OUTCOME' } });
      expect(missing).toBeUndefined();
    });

    it('sends update values in the wire form', async () => {
      await table().call('UpdateItem', {
        TableName,
        Key: { PK: 'TARGET#t', SK: 'GUARD' },
        UpdateExpression: 'SET holder = :me, leaseUntil = :lease',
        ExpressionAttributeValues: { ':me': 'alert-1', ':lease': 1_000 },
      });
      const sent = aws.requests.find((request) => request.target === 'DynamoDB_20120810.UpdateItem')!.input;
      expect(sent).toMatchObject({
        Key: { PK: { S: 'TARGET#t' }, SK: { S: 'GUARD' } },
        ExpressionAttributeValues: { ':me': { S: 'alert-1' }, ':lease': { N: '1000' } },
      });
      const { Item } = await table().call('GetItem', { TableName, Key: { PK: 'TARGET#t', SK: 'GUARD' } });
      expect(Item).toEqual({ PK: 'TARGET#t', SK: 'GUARD', holder: 'alert-1', leaseUntil: 1_000 });
    });

    it('reads a page of a query with its last key as plain values', async () => {
      aws.override = (target) =>
        target === 'DynamoDB_20120810.Query'
          ? {
              status: 200,
              body: {
                Items: [{ PK: { S: 'AUDIT#c' }, SK: { S: 'FINDING#k' }, n: { N: '3' } }],
                Count: 1,
                LastEvaluatedKey: { PK: { S: 'AUDIT#c' }, SK: { S: 'FINDING#k' } },
              },
            }
          : undefined;
      const page = await table().call('Query', {
        TableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'AUDIT#c' },
      });
      expect(page.Items).toEqual([{ PK: 'AUDIT#c', SK: 'FINDING#k', n: 3 }]);
      expect(page.LastEvaluatedKey).toEqual({ PK: 'AUDIT#c', SK: 'FINDING#k' });
    });
  });
}

const awsEnv = () =>
  parseAwsEnv({
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDDYNAMOTEST',
    AWS_SECRET_ACCESS_KEY: 'dynamo-test-secret',
    AWS_ENDPOINT_URL_DYNAMODB: aws.url,
  });

behavesAsATable('DynamoDB over the AWS JSON client', () =>
  dynamoDb(dynamoDbClient(awsEnv()), { removeUndefinedValues: true }),
);
behavesAsATable('DynamoDB over an SDK client', () =>
  dynamoDb(
    new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: aws.url,
      credentials: { accessKeyId: 'AKIDDYNAMOTEST', secretAccessKey: 'dynamo-test-secret' },
    }),
    { removeUndefinedValues: true },
  ),
);

describe('dynamoDbClient', () => {
  it('signs JSON 1.0 calls for the dynamodb service with the target the operation names', async () => {
    await dynamoDb(dynamoDbClient(awsEnv())).call('GetItem', { TableName, Key: { PK: 'x', SK: 'y' } });
    const [request] = aws.requests;
    expect(request!.target).toBe('DynamoDB_20120810.GetItem');
    expect(request!.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(String(request!.headers.authorization)).toMatch(
      /Credential=AKIDDYNAMOTEST\/\d{8}\/eu-west-1\/dynamodb\/aws4_request/,
    );
  });

  it('throws what DynamoDB answered, by its name, and a failed condition is no other error', async () => {
    aws.override = () => ({
      status: 400,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: 'bad key' },
    });
    const error = await dynamoDb(dynamoDbClient(awsEnv()))
      .call('GetItem', { TableName, Key: { PK: 'x' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toBe('bad key');
    expect(isConditionalCheckFailed(error)).toBe(false);
  });
});

describe('documentCalls', () => {
  it('marshals only the members that hold items or values, and leaves the rest as given', async () => {
    const seen: unknown[] = [];
    const table = documentCalls(async (operation, input) => {
      seen.push({ operation, input });
      return { Count: 0 };
    });
    const output = await table.call('Scan', {
      TableName,
      Limit: 5,
      ExclusiveStartKey: { PK: 'p' },
      FilterExpression: 'a = :a',
      ExpressionAttributeValues: { ':a': 1 },
    });
    expect(seen).toEqual([
      {
        operation: 'Scan',
        input: {
          TableName,
          Limit: 5,
          ExclusiveStartKey: { PK: { S: 'p' } },
          FilterExpression: 'a = :a',
          ExpressionAttributeValues: { ':a': { N: '1' } },
        },
      },
    ]);
    expect(output).toEqual({ Count: 0 });
  });
});
