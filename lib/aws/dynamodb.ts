import type * as DynamoSdk from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { commonJsExports } from '../commonjs.ts';
import type { AwsEnv } from '../env.ts';
import { createAwsJsonClient, type AwsJsonClient } from './json-protocol.ts';

/**
 * The few DynamoDB operations kubemend's tables need, with items as plain values (a string, a
 * number, a boolean, null, a list, a map, a Set of strings or numbers), as the SDK's document
 * client takes and gives them. Two transports under it: the AWS JSON client (lib/aws/json-protocol.ts),
 * which the functions use because their cold start cannot afford the SDK's DynamoDB client, and an
 * SDK `DynamoDBClient` (the CLI with its profiles, the tests), loaded only when one is handed in.
 *
 * @example
 * const table = dynamoDb(dynamoDbClient(parseAwsEnv(env)));
 * const { Item } = await table.call('GetItem', { TableName, Key: { PK: 'ALERT#x', SK: 'OUTCOME' } });
 */
export interface DynamoDb {
  call(operation: 'GetItem', input: Input): Promise<{ Item?: Item }>;
  call(operation: 'PutItem' | 'UpdateItem', input: Input): Promise<Record<string, unknown>>;
  call(operation: 'Query' | 'Scan', input: Input): Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>;
}

export type DynamoOperation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'Query' | 'Scan';
export type Item = Record<string, unknown>;
/** An operation's input as the wire takes it, but with `Item`, `Key`, `ExclusiveStartKey` and `ExpressionAttributeValues` as plain values. */
export type Input = Record<string, unknown>;

/** A DynamoDB attribute value on the wire (`{"S": "x"}`, `{"N": "1"}`, …). */
export type AttributeValue = Record<string, unknown>;

/** The input members that hold items or values, marshalled on the way out. */
const ITEM_MEMBERS = ['Item', 'Key', 'ExclusiveStartKey', 'ExpressionAttributeValues'] as const;

/** What carries the calls: the wire form of an input in, the wire form of the output back. */
export type DynamoTransport = (operation: DynamoOperation, input: Input) => Promise<Record<string, unknown>>;

/** DynamoDB over the AWS JSON protocol 1.0 (`AWS_ENDPOINT_URL_DYNAMODB` overrides its endpoint). */
export function dynamoDbClient(aws: AwsEnv): AwsJsonClient {
  return createAwsJsonClient({ service: 'dynamodb', jsonVersion: '1.0', aws });
}

/**
 * The table operations over the AWS JSON client, or over an SDK `DynamoDBClient` (whose commands
 * are then loaded on the first call). Errors are thrown as each transport throws them; both name a
 * failed condition `ConditionalCheckFailedException` (isConditionalCheckFailed).
 */
export function dynamoDb(
  client: AwsJsonClient | DynamoDBClient,
  options: { removeUndefinedValues?: boolean } = {},
): DynamoDb {
  const transport: DynamoTransport = 'call' in client ? jsonTransport(client) : sdkTransport(client);
  return documentCalls(transport, options);
}

/** Plain values in and out around a transport of wire-form calls. */
export function documentCalls(transport: DynamoTransport, options: { removeUndefinedValues?: boolean } = {}): DynamoDb {
  const removeUndefined = options.removeUndefinedValues === true;
  const call = async (operation: DynamoOperation, input: Input) => {
    const wire: Input = { ...input };
    for (const member of ITEM_MEMBERS) {
      const value = input[member];
      if (value !== undefined) wire[member] = marshallItem(value as Item, removeUndefined);
    }
    const output = await transport(operation, wire);
    const {
      Item: item,
      Items: items,
      LastEvaluatedKey: lastKey,
      ...rest
    } = output as {
      Item?: Record<string, AttributeValue>;
      Items?: Record<string, AttributeValue>[];
      LastEvaluatedKey?: Record<string, AttributeValue>;
    };
    return {
      ...rest,
      ...(item === undefined ? {} : { Item: unmarshallItem(item) }),
      ...(items === undefined ? {} : { Items: items.map(unmarshallItem) }),
      ...(lastKey === undefined ? {} : { LastEvaluatedKey: unmarshallItem(lastKey) }),
    };
  };
  return { call };
}

function jsonTransport(client: AwsJsonClient): DynamoTransport {
  return (operation, input) => client.call<Record<string, unknown>>(`DynamoDB_20120810.${operation}`, input);
}

function sdkTransport(client: DynamoDBClient): DynamoTransport {
  let loaded: Promise<typeof DynamoSdk> | undefined;
  return async (operation, input) => {
    loaded ??= import('@aws-sdk/client-dynamodb').then((module) => commonJsExports(module));
    const sdk = await loaded;
    const commands = {
      GetItem: sdk.GetItemCommand,
      PutItem: sdk.PutItemCommand,
      UpdateItem: sdk.UpdateItemCommand,
      Query: sdk.QueryCommand,
      Scan: sdk.ScanCommand,
    } as const;
    const Command = commands[operation] as unknown as new (input: Input) => Parameters<DynamoDBClient['send']>[0];
    const { $metadata: _metadata, ...output } = (await client.send(new Command(input))) as unknown as Record<
      string,
      unknown
    >;
    return output;
  };
}

/** Whether a DynamoDB call failed on its ConditionExpression (either transport). */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** An item's attributes as wire attribute values; undefined attributes are left out when `removeUndefined`, refused otherwise. */
export function marshallItem(item: Item, removeUndefined = false): Record<string, AttributeValue> {
  const wire: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) {
      if (removeUndefined) continue;
      throw new TypeError(`DynamoDB attribute ${name} is undefined`);
    }
    own(wire, name, marshallValue(value, removeUndefined, name));
  }
  return wire;
}

function marshallValue(value: unknown, removeUndefined: boolean, path: string): AttributeValue {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      // As the SDK's document client: beyond the safe integers a number would not read back the same.
      if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
        throw new TypeError(`DynamoDB attribute ${path}: ${value} is not a finite number within the safe integers`);
      }
      return { N: String(value) };
    case 'boolean':
      return { BOOL: value };
    case 'object':
      break;
    default:
      throw new TypeError(`DynamoDB attribute ${path}: a ${typeof value} cannot be stored`);
  }
  if (Array.isArray(value)) {
    const items = removeUndefined ? value.filter((entry) => entry !== undefined) : value;
    return { L: items.map((entry, index) => marshallValue(entry, removeUndefined, `${path}[${index}]`)) };
  }
  if (value instanceof Set) {
    const members = [...(value as Set<unknown>)];
    if (members.every((member) => typeof member === 'string')) return { SS: members };
    if (members.every((member) => typeof member === 'number')) return { NS: members.map(String) };
    throw new TypeError(`DynamoDB attribute ${path}: a set holds only strings or only numbers`);
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    throw new TypeError(`DynamoDB attribute ${path}: only plain objects are stored as maps`);
  }
  const map: Record<string, AttributeValue> = {};
  for (const [name, entry] of Object.entries(value as Item)) {
    if (entry === undefined) {
      if (removeUndefined) continue;
      throw new TypeError(`DynamoDB attribute ${path}.${name} is undefined`);
    }
    own(map, name, marshallValue(entry, removeUndefined, `${path}.${name}`));
  }
  return { M: map };
}

/** Wire attribute values as plain values: numbers as numbers (refused beyond the safe integers, as the SDK refuses them), sets as Sets. */
export function unmarshallItem(wire: Record<string, AttributeValue>): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(wire)) own(item, name, unmarshallValue(value, name));
  return item;
}

/** Sets an own property, whatever its name (`__proto__` is an attribute name like any other). */
function own(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

function number(text: string, path: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`DynamoDB attribute ${path}: ${text} does not fit a JavaScript number`);
  }
  return value;
}

function unmarshallValue(value: AttributeValue, path: string): unknown {
  const [type] = Object.keys(value);
  const content = type === undefined ? undefined : value[type];
  switch (type) {
    case 'S':
      return content;
    case 'N':
      return number(content as string, path);
    case 'BOOL':
      return content;
    case 'NULL':
      return null;
    case 'L':
      return (content as AttributeValue[]).map((entry, index) => unmarshallValue(entry, `${path}[${index}]`));
    case 'M': {
      const map: Record<string, unknown> = {};
      for (const [name, entry] of Object.entries(content as Record<string, AttributeValue>)) {
        own(map, name, unmarshallValue(entry, `${path}.${name}`));
      }
      return map;
    }
    case 'SS':
      return new Set(content as string[]);
    case 'NS':
      return new Set((content as string[]).map((text) => number(text, path)));
    default:
      throw new TypeError(`DynamoDB attribute ${path}: type ${String(type)} is not read by kubemend`);
  }
}
