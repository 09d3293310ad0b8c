import type { Agent as HttpAgent } from 'node:http';

import type { CoreV1Event } from '@kubernetes/client-node';

import {
  ClusterUnreachableError,
  ConflictError,
  DisruptionBudgetError,
  ForbiddenError,
  KubeApiError,
  HttpTimeoutError,
  KubemendError,
  NotFoundError,
} from '../errors.ts';
import { DEFAULT_RETRY, parseRetryAfter, type FailedAttempt, type RetryPolicy } from '../http/retry.ts';
import { networkCode, sendHttp, withHttpRetries } from '../http/transport.ts';
import { ADMISSION_DENIAL, type KubeApi, type WriteOptions } from './kube-api.ts';
import { KINDS, type Kind, type KindObjects, type ListOptions } from './kinds.ts';

/** TLS material and headers for one request (a token renews, so they are asked for every attempt). */
export interface KubeRequestAuth {
  /** Authorization (a bearer token, basic credentials), impersonation. */
  headers?: Record<string, string>;
  /** PEM. */
  ca?: string | Buffer;
  /** A client certificate and its key, PEM. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The name the server certificate must carry, when it differs from the server's host. */
  servername?: string;
  /** An agent to send through instead of the adapter's kept-alive one (a kubeconfig proxy-url). */
  agent?: HttpAgent;
}

/** How to reach one API server. */
export interface KubeConnection {
  /** The API server's base URL (`https://host[:port][/prefix]`). */
  server: string;
  /** Accept any server certificate (`insecure-skip-tls-verify`); also what allows plain `http:`. */
  skipTLSVerify?: boolean;
  /** Namespaced objects created without a namespace go here (the context's namespace; `default`). */
  defaultNamespace?: string;
  /** Asked before every attempt. */
  auth(): KubeRequestAuth | Promise<KubeRequestAuth>;
}

const PATCH = {
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
} as const;

interface Request {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  contentType?: string;
}

/**
 * A KubeApi over the HTTP transport (lib/http/transport.ts), speaking the Kubernetes REST API
 * directly: paths from the static kind table (lib/kube/kinds.ts; no discovery), plain JSON in and
 * out (timestamps stay the ISO strings the API server sends). Each attempt, the credentials
 * included, has `timeoutMs`; failed attempts are retried as `retry` says (lib/http/retry.ts):
 * reads and repeatable patches on 429, 5xx and network failures, other writes only when the
 * request surely did not take effect.
 */
export function createRestKubeApi(
  connection: KubeConnection,
  options: { timeoutMs: number; name: string; retry?: RetryPolicy },
): KubeApi {
  const client = kubeClient(connection, options);
  return { cluster: options.name, ...readsOf(client), ...writesOf(client) };
}

/** One attempt and one call (with retries) to the API server, and the paths of the kinds. */
function kubeClient(connection: KubeConnection, options: { timeoutMs: number; retry?: RetryPolicy }) {
  const server = connection.server;
  const base = new URL(server);
  const secure = base.protocol === 'https:';
  const prefix = base.pathname.replace(/\/+$/, '');
  const retry = options.retry ?? DEFAULT_RETRY;
  const defaultNamespace = connection.defaultNamespace ?? 'default';

  /** One attempt: the parsed body of a 2xx, else a KubeApiError; within `timeoutMs`. */
  const attempt = async <T>(request: Request): Promise<T> => {
    if (!secure && !connection.skipTLSVerify) {
      throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
    }
    // The attempt's time covers the credentials too: an exec plugin that hangs is a cluster
    // that does not answer.
    const deadline = Date.now() + options.timeoutMs;
    const auth = await beforeDeadline(connection.auth(), base.origin, options.timeoutMs);
    const url = new URL(base.origin);
    url.pathname = `${prefix}${request.path}`;
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const answer = await sendHttp({
      method: request.method,
      url,
      headers: {
        accept: 'application/json, */*;q=0.8',
        ...auth.headers,
        ...(payload === undefined ? {} : { 'content-type': request.contentType ?? 'application/json' }),
      },
      body: payload,
      timeoutMs: Math.max(1, deadline - Date.now()),
      tls: {
        ca: auth.ca,
        cert: auth.cert,
        key: auth.key,
        servername: auth.servername,
        rejectUnauthorized: !connection.skipTLSVerify,
      },
      agent: auth.agent,
    });
    if (answer.status >= 200 && answer.status < 300) {
      return (answer.body === '' ? {} : JSON.parse(answer.body)) as T;
    }
    throw new KubeApiError(
      answer.status,
      statusMessage(answer.body) ?? 'no Status in the answer',
      answer.body,
      answer.headers,
    );
  };

  /** One API request with retries; `idempotent: false` for writes that must not be repeated blindly. */
  const call = async <T>(what: string, request: Request, idempotent = true): Promise<T> => {
    let attempts = 0;
    try {
      return await withHttpRetries(retry, { idempotent, answered }, (made) => {
        attempts = made;
        return attempt<T>(request);
      });
    } catch (error) {
      throw translate(error, what, server, options.timeoutMs, attempts);
    }
  };
  /** `/api/v1` or `/apis/<group>/<version>`, then the namespace when the kind has one, then the resource. */
  const collection = (kind: Kind, namespace: string | undefined, forList = false): string => {
    const { apiVersion, resource, namespaced } = KINDS[kind];
    const group = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const scope = namespaced ? (namespace ?? (forList ? undefined : defaultNamespace)) : undefined;
    return `${group}${scope === undefined ? '' : `/namespaces/${encodeURIComponent(scope)}`}/${resource}`;
  };
  const object = (kind: Kind, name: string, namespace: string | undefined): string =>
    `${collection(kind, namespace)}/${encodeURIComponent(name)}`;

  return { attempt, call, collection, object, server, timeoutMs: options.timeoutMs };
}

type KubeClient = ReturnType<typeof kubeClient>;

/** The reads: one object, a paginated list, a Deployment's revisions, an object's Warning events. */
function readsOf(client: KubeClient): Omit<KubeApi, 'cluster' | WriteOperation> {
  const { call, collection, object } = client;
  const pages = pagesOf(client);
  return {
    getPod: (namespace, name) =>
      call(`get pod ${namespace}/${name}`, { method: 'GET', path: object('Pod', name, namespace) }),
    getReplicaSet: (namespace, name) =>
      call(`get replicaset ${namespace}/${name}`, {
        method: 'GET',
        path: object('ReplicaSet', name, namespace),
      }),
    getDeployment: (namespace, name) =>
      call(`get deployment ${namespace}/${name}`, {
        method: 'GET',
        path: object('Deployment', name, namespace),
      }),
    read: <K extends Kind>(kind: K, name: string, namespace?: string) =>
      call<KindObjects[K]>(`get ${kind.toLowerCase()} ${namespace === undefined ? '' : `${namespace}/`}${name}`, {
        method: 'GET',
        path: object(kind, name, namespace),
      }),
    list: async <K extends Kind>(kind: K, list: ListOptions = {}) => {
      const items: KindObjects[K][] = [];
      for await (const page of pages(kind, list)) items.push(...page);
      return items;
    },
    pages,
    listReplicaSets: async (namespace, labelSelector) =>
      (
        await call<{ items?: KindObjects['ReplicaSet'][] }>(`list replicasets in ${namespace}`, {
          method: 'GET',
          path: collection('ReplicaSet', namespace),
          query: { labelSelector, limit: 500 },
        })
      ).items ?? [],
    listWarningEvents: async (namespace, ref) => {
      const selectors = [`involvedObject.kind=${ref.kind}`, `involvedObject.name=${ref.name}`, 'type=Warning'];
      if (ref.uid !== undefined) selectors.push(`involvedObject.uid=${ref.uid}`);
      const list = await call<{ items?: CoreV1Event[] }>(`list events for ${ref.kind} ${namespace}/${ref.name}`, {
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
        query: { fieldSelector: selectors.join(','), limit: 100 },
      });
      return [...(list.items ?? [])].sort((a, b) => eventTime(b) - eventTime(a));
    },
  };
}

/** One page of a list, as the API server answers it. */
interface ListPage<T> {
  items?: T[];
  metadata?: { continue?: string };
}

/**
 * `pages`: one request per page, each handed on before the next is asked for. A continue token
 * whose snapshot etcd has compacted meanwhile is answered 410 with a fresh token that lists on
 * from the current state (the API server's "inconsistent continuation"): taken, since an audit
 * wants every object more than one instant's view of them.
 */
function pagesOf({ call, collection }: KubeClient): KubeApi['pages'] {
  return async function* <K extends Kind>(kind: K, list: ListOptions & { pageSize?: number } = {}) {
    const max = list.max ?? 1000;
    const size = list.pageSize ?? 500;
    const what = `list ${kind.toLowerCase()}${list.namespace === undefined ? '' : ` in ${list.namespace}`}`;
    let read = 0;
    let expired = 0;
    let next: string | undefined;
    do {
      const query = {
        fieldSelector: list.fieldSelector,
        labelSelector: list.labelSelector,
        limit: Math.min(size, max - read),
        continue: next,
      };
      let page: ListPage<KindObjects[K]>;
      try {
        page = await call<ListPage<KindObjects[K]>>(what, {
          method: 'GET',
          path: collection(kind, list.namespace, true),
          query,
        });
      } catch (error) {
        const fresh = next === undefined ? undefined : expiredContinue(error);
        // A fresh token lists from the current state, so it should not expire again at once; a
        // server that keeps answering so is not listed from forever.
        if (fresh === undefined || (expired += 1) > MAX_EXPIRED_CONTINUES) throw error;
        next = fresh;
        continue;
      }
      expired = 0;
      const items = page.items ?? [];
      // kubemend never reads managedFields, often the largest part of an object: an audit of
      // thousands of pods holds far less without them.
      for (const item of items) delete item.metadata?.managedFields;
      read += items.length;
      next = page.metadata?.continue || undefined;
      yield items;
    } while (next !== undefined && read < max);
  };
}

/** Expired continue tokens in a row that a list goes on from (each with the fresh token given). */
const MAX_EXPIRED_CONTINUES = 3;

/** The token to list on with when the API server says a continue token expired (410 Expired). */
function expiredContinue(error: unknown): string | undefined {
  if (!(error instanceof KubeApiError) || error.statusCode !== 410) return undefined;
  try {
    const status = JSON.parse(error.body) as { metadata?: { continue?: unknown } };
    return typeof status.metadata?.continue === 'string' && status.metadata.continue !== ''
      ? status.metadata.continue
      : undefined;
  } catch {
    return undefined;
  }
}

type WriteOperation = PatchOperation | RemoveOperation;
type PatchOperation = 'patch' | 'jsonPatchDeployment' | 'create';
type RemoveOperation = 'remove' | 'evictPod' | 'deletePod';

const dryRun = (on: boolean): string | undefined => (on ? 'All' : undefined);

/** The writes, each with `dryRun` and its preconditions (resourceVersion, a `test`, the UID). */
function writesOf(client: KubeClient): Pick<KubeApi, WriteOperation> {
  return { ...patchesOf(client), ...removalsOf(client) };
}

/** Strategic merge and JSON patches, and creates. */
function patchesOf({ call, collection, object }: KubeClient): Pick<KubeApi, PatchOperation> {
  return {
    patch: <K extends Kind>(
      kind: K,
      name: string,
      namespace: string | undefined,
      body: Record<string, unknown>,
      write: WriteOptions & { resourceVersion?: string },
    ) => {
      const metadata = {
        ...(body.metadata as Record<string, unknown> | undefined),
        name,
        ...(KINDS[kind].namespaced ? { namespace } : {}),
        ...(write.resourceVersion === undefined ? {} : { resourceVersion: write.resourceVersion }),
      };
      return call<KindObjects[K]>(`patch ${describe(kind, name, namespace)}`, {
        method: 'PATCH',
        path: object(kind, name, namespace),
        query: { dryRun: dryRun(write.dryRun), fieldManager: 'kubemend' },
        body: { ...body, apiVersion: KINDS[kind].apiVersion, kind, metadata },
        contentType: PATCH.strategic,
      });
    },
    jsonPatchDeployment: async (namespace, name, operations, write) => {
      const what = `patch deployment ${namespace}/${name}`;
      try {
        return await call(
          what,
          {
            method: 'PATCH',
            path: object('Deployment', name, namespace),
            query: { dryRun: dryRun(write.dryRun), fieldManager: 'kubemend' },
            body: operations,
            contentType: PATCH.json,
          },
          false,
        );
      } catch (error) {
        // A failed `test` operation: the API server answers 422 naming the test.
        if (
          error instanceof KubeApiError &&
          error.statusCode === 422 &&
          /test/i.test(statusMessage(error.body) ?? '')
        ) {
          throw new ConflictError(
            `${what}: the Deployment changed since it was read (${statusMessage(error.body) ?? ''})`,
            { cause: error },
          );
        }
        throw error;
      }
    },
    create: <K extends Kind>(kind: K, created: KindObjects[K], write: WriteOptions) =>
      call<KindObjects[K]>(
        `create ${describe(kind, created.metadata?.name ?? '', created.metadata?.namespace)}`,
        {
          method: 'POST',
          path: collection(kind, created.metadata?.namespace),
          query: { dryRun: dryRun(write.dryRun), fieldManager: 'kubemend' },
          body: { ...created, apiVersion: KINDS[kind].apiVersion, kind },
        },
        false,
      ),
  };
}

/** Deletes and evictions, only of the object with the UID diagnosed. */
function removalsOf({ attempt, call, object, server, timeoutMs }: KubeClient): Pick<KubeApi, RemoveOperation> {
  const deleteOptions = (write: WriteOptions & { uid: string }) => ({
    preconditions: { uid: write.uid },
    ...(write.dryRun ? { dryRun: ['All'] } : {}),
  });
  return {
    remove: async (kind, name, namespace, write) => {
      await call(
        `delete ${describe(kind, name, namespace)}`,
        {
          method: 'DELETE',
          path: object(kind, name, namespace),
          query: { dryRun: dryRun(write.dryRun), propagationPolicy: 'Background' },
          body: deleteOptions(write),
        },
        false,
      );
    },
    evictPod: async (namespace, name, write) => {
      const what = `evict pod ${namespace}/${name}`;
      try {
        await attempt({
          method: 'POST',
          path: `${object('Pod', name, namespace)}/eviction`,
          query: { dryRun: dryRun(write.dryRun) },
          body: {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name, namespace },
            deleteOptions: deleteOptions(write),
          },
        });
      } catch (error) {
        if (error instanceof KubeApiError && error.statusCode === 429) {
          throw new DisruptionBudgetError(`${what}: ${statusMessage(error.body) ?? 'disruption budget'}`, {
            cause: error,
          });
        }
        throw translate(error, what, server, timeoutMs, 1);
      }
    },
    deletePod: async (namespace, name, write) => {
      await call(
        `delete pod ${namespace}/${name}`,
        {
          method: 'DELETE',
          path: object('Pod', name, namespace),
          query: { dryRun: dryRun(write.dryRun) },
          body: deleteOptions(write),
        },
        false,
      );
    },
  };
}

function describe(kind: Kind, name: string, namespace: string | undefined): string {
  return `${kind.toLowerCase()} ${namespace === undefined ? '' : `${namespace}/`}${name}`;
}

/** How an answer outside 2xx looks to the retry policy; network failures the transport reads. */
function answered(error: unknown): FailedAttempt | undefined {
  if (!(error instanceof KubeApiError)) return undefined;
  const retryAfterSeconds = parseRetryAfter(error.headers['retry-after']);
  return { status: error.statusCode, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}

function translate(error: unknown, what: string, server: string, timeoutMs: number, attempts: number): unknown {
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  if (error instanceof KubeApiError) {
    const detail = statusMessage(error.body) ?? `HTTP ${error.statusCode}`;
    const message = `${what}: ${detail}`;
    if (error.statusCode === 429 || error.statusCode >= 500) {
      // Overloaded or failing (etcd down, a restart): the cluster is not usable just now.
      return new ClusterUnreachableError(`${what}: ${server} answered ${error.statusCode}: ${detail}${tries}`, {
        cause: error,
      });
    }
    switch (error.statusCode) {
      case 404:
        return new NotFoundError(message, { cause: error });
      case 409:
        return new ConflictError(message, { cause: error });
      case 401:
      case 403:
        return new ForbiddenError(message, { cause: error });
      case 400:
      case 422:
        // An admission policy's denial of an update comes back as Invalid, a webhook's mostly as a
        // Bad Request: a refusal like RBAC's. Any other 400 or 422 (a bad patch, an invalid value)
        // stays what it is.
        return ADMISSION_DENIAL.test(detail) ? new ForbiddenError(message, { cause: error }) : error;
      default:
        return error;
    }
  }
  if (error instanceof HttpTimeoutError) {
    return new ClusterUnreachableError(`${what}: ${server} did not answer within ${timeoutMs} ms`, { cause: error });
  }
  if (error instanceof KubemendError) return error;
  const code = networkCode(error);
  if (code !== undefined) {
    return new ClusterUnreachableError(`${what}: cannot reach ${server} (${code})${tries}`, { cause: error });
  }
  return error;
}

/** The `message` of a Status the API server answered with. */
function statusMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as { message?: unknown }).message === 'string'
    ) {
      return (parsed as { message: string }).message;
    }
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return undefined;
}

/** `promise`, or HttpTimeoutError once `ms` have passed (what it does goes on, unheard). */
function beforeDeadline<T>(promise: T | Promise<T>, origin: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpTimeoutError(origin, ms)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

function eventTime(event: CoreV1Event): number {
  const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return at === undefined ? 0 : new Date(at).getTime();
}
