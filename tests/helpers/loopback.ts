// Loopback stand-ins for the services the functions call (the cold-start bench, handler tests): one
// HTTP server answering the AWS JSON protocol (SQS SendMessageBatch, SSM GetParameter, DynamoDB
// items in memory) and one answering as a Kubernetes API server from a handful of objects.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { KINDS } from '../../lib/kube/kinds.ts';
import { strategicMerge } from './fake-kube.ts';

type Json = Record<string, unknown>;
type AttributeValue = Record<string, unknown>;

export interface Loopback {
  url: string;
  close(): Promise<void>;
}

export interface FakeAws extends Loopback {
  /** SQS message bodies received, oldest first. */
  readonly sent: string[];
  /** SSM parameter values by name. */
  readonly parameters: Map<string, string>;
  /** DynamoDB items by `${PK}|${SK}`, in the wire (attribute value) form. */
  items: Map<string, Record<string, AttributeValue>>;
  /** How many requests each `X-Amz-Target` got. */
  readonly calls: Map<string, number>;
  /** Every request, oldest first. */
  readonly requests: { target: string; input: Json; headers: Record<string, string | string[] | undefined> }[];
  /** When set and it returns an answer, that answer replaces the faked one. */
  override?: (target: string, input: Json) => { status: number; body: unknown } | undefined;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server) {
  return () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/**
 * A loopback HTTP server that hands each request, with its whole body as text, to `onRequest`
 * (for tests of a client's wire behaviour: what it sends, what it makes of each answer).
 */
export async function startLoopback(
  onRequest: (request: IncomingMessage, text: string, response: ServerResponse) => void,
): Promise<Loopback & { server: Server }> {
  const server = createServer((request, response) => {
    void body(request).then((text) => onRequest(request, text, response));
  });
  return { server, url: await listen(server), close: closer(server) };
}

function reply(response: ServerResponse, status: number, payload: unknown, type = 'application/x-amz-json-1.0') {
  response.writeHead(status, { 'content-type': type });
  response.end(JSON.stringify(payload));
}

/** `SET a = :x, b = :y` applied to an item; conditions are not evaluated (one writer in the bench). */
function applyUpdate(item: Record<string, AttributeValue>, expression: string, values: Record<string, AttributeValue>) {
  const set = /^\s*SET\s+(.*)$/i.exec(expression)?.[1] ?? '';
  for (const assignment of set.split(',')) {
    const [name, value] = assignment.split('=').map((part) => part.trim());
    if (name !== undefined && value !== undefined && values[value] !== undefined) item[name] = values[value];
  }
}

export async function startFakeAws(): Promise<FakeAws> {
  const state = {
    sent: [] as string[],
    parameters: new Map<string, string>(),
    items: new Map<string, Record<string, AttributeValue>>(),
    calls: new Map<string, number>(),
    requests: [] as FakeAws['requests'][number][],
    override: undefined as FakeAws['override'],
  };
  const keyOf = (key: Record<string, AttributeValue>) => `${String(key.PK?.S)}|${String(key.SK?.S)}`;
  const server = createServer((request, response) => {
    void body(request).then((text) => {
      const target = String(request.headers['x-amz-target'] ?? '');
      state.calls.set(target, (state.calls.get(target) ?? 0) + 1);
      const input = (text === '' ? {} : JSON.parse(text)) as Json;
      state.requests.push({ target, input, headers: request.headers });
      const overridden = state.override?.(target, input);
      if (overridden !== undefined) return reply(response, overridden.status, overridden.body);
      const operation = target.slice(target.indexOf('.') + 1);
      switch (target) {
        case 'AmazonSQS.SendMessageBatch': {
          const entries = input.Entries as { Id: string; MessageBody: string }[];
          state.sent.push(...entries.map((entry) => entry.MessageBody));
          return reply(response, 200, {
            Successful: entries.map((entry, index) => ({
              Id: entry.Id,
              MessageId: `m-${state.sent.length}-${index}`,
              MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
            })),
            Failed: [],
          });
        }
        case 'AmazonSSM.GetParameter': {
          const name = String(input.Name);
          const value = state.parameters.get(name);
          if (value === undefined) {
            return reply(response, 400, { __type: 'ParameterNotFound', message: `${name} not found` });
          }
          return reply(response, 200, { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } });
        }
      }
      if (target.startsWith('DynamoDB_20120810.')) {
        if (operation === 'PutItem') {
          const item = input.Item as Record<string, AttributeValue>;
          const key = keyOf(item);
          if (
            ((input.ConditionExpression as string | undefined) ?? '').includes('attribute_not_exists') &&
            state.items.has(key)
          ) {
            return reply(response, 400, {
              __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
              message: 'The conditional request failed',
            });
          }
          // A copy: later updates change the stored item, never the request recorded.
          state.items.set(key, structuredClone(item));
          return reply(response, 200, {});
        }
        if (operation === 'GetItem') {
          const item = state.items.get(keyOf(input.Key as Record<string, AttributeValue>));
          return reply(response, 200, item === undefined ? {} : { Item: item });
        }
        if (operation === 'UpdateItem') {
          const key = input.Key as Record<string, AttributeValue>;
          const item = state.items.get(keyOf(key)) ?? { ...key };
          applyUpdate(
            item,
            String(input.UpdateExpression),
            (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>,
          );
          state.items.set(keyOf(key), item);
          return reply(response, 200, {});
        }
        if (operation === 'Query') return reply(response, 200, { Items: [], Count: 0, ScannedCount: 0 });
      }
      return reply(response, 400, { __type: 'UnknownOperationException', message: `not faked: ${target}` });
    });
  });
  const url = await listen(server);
  return Object.assign(state, { url, close: closer(server) });
}

export interface FakeKubeServer extends Loopback {
  /** Requests seen, as `METHOD path`. */
  readonly seen: string[];
}

function plural(kind: string): string {
  return `${kind.toLowerCase()}${kind.endsWith('s') ? 'es' : 's'}`;
}

function groupPath(apiVersion: string): string {
  return apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
}

/** Discovery documents for every kind kubemend reads, and events. */
const RESOURCES = new Map<string, { kind: string; name: string; namespaced: boolean }[]>();
for (const [kind, { apiVersion, namespaced }] of [
  ...Object.entries(KINDS),
  ['Event', { apiVersion: 'v1', namespaced: true }] as const,
]) {
  const group = groupPath(apiVersion);
  RESOURCES.set(group, [...(RESOURCES.get(group) ?? []), { kind, name: plural(kind), namespaced }]);
}

/** A Kubernetes API server over the given objects: get, list (by namespace) and strategic merge patch. */
export async function startFakeKube(objects: Json[]): Promise<FakeKubeServer> {
  const store = new Map<string, Json>();
  for (const object of objects) {
    const metadata = object.metadata as { name: string; namespace?: string };
    const scope = metadata.namespace === undefined ? '' : `/namespaces/${metadata.namespace}`;
    store.set(
      `${groupPath((object.apiVersion as string | undefined) ?? 'v1')}${scope}/${plural(String(object.kind))}/${metadata.name}`,
      structuredClone(object),
    );
  }
  /** `[group, namespace | undefined, plural]` when the path names a collection. */
  const collection = (path: string): [string, string | undefined, string] | undefined => {
    const group = [...RESOURCES.keys()].find((prefix) => path.startsWith(`${prefix}/`));
    if (group === undefined) return undefined;
    const rest = path.slice(group.length + 1).split('/');
    if (rest.length === 1) return [group, undefined, rest[0] ?? ''];
    if (rest.length === 3 && rest[0] === 'namespaces') return [group, rest[1], rest[2] ?? ''];
    return undefined;
  };
  const seen: string[] = [];
  const server = createServer((request, response) => {
    void body(request).then((text) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      seen.push(`${request.method ?? ''} ${path}`);
      const json = (status: number, payload: unknown) => reply(response, status, payload, 'application/json');
      const resources = RESOURCES.get(path);
      if (resources !== undefined) {
        return json(200, {
          kind: 'APIResourceList',
          groupVersion: path.replace(/^\/apis?\//, ''),
          resources: resources.map((resource) => ({
            ...resource,
            singularName: resource.kind.toLowerCase(),
            verbs: ['get', 'list', 'patch', 'create', 'delete'],
          })),
        });
      }
      const found = store.get(path);
      if (request.method === 'GET' && found !== undefined) return json(200, found);
      if (request.method === 'PATCH' && found !== undefined) {
        const merged = strategicMerge(found, JSON.parse(text)) as Json;
        if (new URL(request.url ?? '/', 'http://x').searchParams.get('dryRun') === null) store.set(path, merged);
        return json(200, merged);
      }
      const list = request.method === 'GET' ? collection(path) : undefined;
      if (list !== undefined) {
        const [group, namespace, resource] = list;
        const items = [...store.entries()]
          .filter(([key]) => key.startsWith(`${group}/`) && key.includes(`/${resource}/`))
          .filter(([key]) => namespace === undefined || key.includes(`/namespaces/${namespace}/`))
          .map(([, value]) => value);
        return json(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items });
      }
      return json(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: `${path} not found`,
      });
    });
  });
  const url = await listen(server);
  return { url, seen, close: closer(server) };
}

/**
 * A kubeconfig (JSON) with one context, `name`, for a loopback API server over plain HTTP, with a
 * bearer token: how the benchmarks point a packaged function at a stand-in cluster.
 */
export function loopbackKubeconfig(server: string, name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token: `${name}-token` } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  });
}

/**
 * Writes `handle.mjs` into `dir`: `node handle.mjs <bundle> <event.json>` imports a function
 * bundle, hands its handler the event as Lambda would, and prints `@answer <json>` on stdout.
 */
export function writeLambdaHarness(dir: string): string {
  const harness = join(dir, 'handle.mjs');
  writeFileSync(
    harness,
    `import { readFileSync } from 'node:fs';
const [bundle, eventFile] = process.argv.slice(2);
const { handler } = await import(bundle);
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 };
const answer = await handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
process.stdout.write('\\n@answer ' + JSON.stringify(answer ?? null) + '\\n');
process.exit(0);
`,
  );
  return harness;
}
