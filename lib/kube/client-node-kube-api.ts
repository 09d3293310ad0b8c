import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  setHeaderOptions,
  type CoreV1Event,
} from '@kubernetes/client-node';

import {
  ClusterUnreachableError,
  ConflictError,
  DisruptionBudgetError,
  ForbiddenError,
  KubemendError,
  NotFoundError,
} from '../errors.ts';
import type { KubeApi, KubeProvider, WriteOptions } from './kube-api.ts';
import { KINDS, type Kind, type KindObjects, type ListOptions } from './kinds.ts';
import { DEFAULT_RETRY, parseRetryAfter, withRetries, type FailedAttempt, type RetryPolicy } from './retry.ts';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);

/**
 * A KubeApi over @kubernetes/client-node for one KubeConfig. Each attempt has `timeoutMs`; failed
 * attempts are retried as `retry` says (lib/kube/retry.ts): reads and repeatable patches on 429,
 * 5xx and network failures, other writes only when the request surely did not take effect.
 */
export function createClientNodeKubeApi(
  kubeConfig: KubeConfig,
  options: { timeoutMs: number; name?: string; retry?: RetryPolicy },
): KubeApi {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const cluster = options.name ?? (kubeConfig.getCurrentContext() || kubeConfig.getCurrentCluster()?.name || 'default');
  const server = kubeConfig.getCurrentCluster()?.server ?? 'unknown server';
  const retry = options.retry ?? DEFAULT_RETRY;
  /** One API request with retries; `idempotent: false` for writes that must not be repeated blindly. */
  const call = async <T>(what: string, run: () => Promise<T>, idempotent = true): Promise<T> => {
    let attempts = 0;
    try {
      return await withRetries(retry, idempotent, failedAttempt, (made) => {
        attempts = made;
        return withTimeout(run(), options.timeoutMs, what, server);
      });
    } catch (error) {
      throw translate(error, what, server, attempts);
    }
  };
  const dryRun = (on: boolean): string | undefined => (on ? 'All' : undefined);

  return {
    cluster,
    getPod: (namespace, name) =>
      call(`get pod ${namespace}/${name}`, () => core.readNamespacedPod({ namespace, name })),
    getReplicaSet: (namespace, name) =>
      call(`get replicaset ${namespace}/${name}`, () => apps.readNamespacedReplicaSet({ namespace, name })),
    getDeployment: (namespace, name) =>
      call(`get deployment ${namespace}/${name}`, () => apps.readNamespacedDeployment({ namespace, name })),
    read: <K extends Kind>(kind: K, name: string, namespace?: string) =>
      call(`get ${kind.toLowerCase()} ${namespace === undefined ? '' : `${namespace}/`}${name}`, () =>
        objects.read<KindObjects[K] & KubernetesObject>({
          apiVersion: KINDS[kind].apiVersion,
          kind,
          metadata: { name, ...(KINDS[kind].namespaced ? { namespace } : {}) },
        }),
      ),
    list: async <K extends Kind>(kind: K, options: ListOptions = {}) => {
      const max = options.max ?? 1000;
      const items: KindObjects[K][] = [];
      let next: string | undefined;
      do {
        const page = await call(
          `list ${kind.toLowerCase()}${options.namespace === undefined ? '' : ` in ${options.namespace}`}`,
          () =>
            objects.list<KindObjects[K] & KubernetesObject>(
              KINDS[kind].apiVersion,
              kind,
              options.namespace,
              undefined,
              undefined,
              undefined,
              options.fieldSelector,
              options.labelSelector,
              Math.min(500, max - items.length),
              next,
            ),
        );
        // kubemend never reads managedFields, often the largest part of an object: an audit of
        // thousands of pods holds far less without them.
        for (const item of page.items) delete item.metadata?.managedFields;
        items.push(...page.items);
        next = page.metadata?._continue || undefined;
      } while (next !== undefined && items.length < max);
      return items;
    },
    listReplicaSets: async (namespace, labelSelector) =>
      (
        await call(`list replicasets in ${namespace}`, () =>
          apps.listNamespacedReplicaSet({ namespace, labelSelector, limit: 500 }),
        )
      ).items,
    listWarningEvents: async (namespace, ref) => {
      const selectors = [`involvedObject.kind=${ref.kind}`, `involvedObject.name=${ref.name}`, 'type=Warning'];
      if (ref.uid !== undefined) selectors.push(`involvedObject.uid=${ref.uid}`);
      const list = await call(`list events for ${ref.kind} ${namespace}/${ref.name}`, () =>
        core.listNamespacedEvent({ namespace, fieldSelector: selectors.join(','), limit: 100 }),
      );
      return [...list.items].sort((a, b) => eventTime(b) - eventTime(a));
    },
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
      return call(`patch ${describe(kind, name, namespace)}`, () =>
        objects.patch<KindObjects[K] & KubernetesObject>(
          { ...body, apiVersion: KINDS[kind].apiVersion, kind, metadata } as KindObjects[K] & KubernetesObject,
          undefined,
          dryRun(write.dryRun),
          'kubemend',
          undefined,
          PatchStrategy.StrategicMergePatch,
        ),
      );
    },
    jsonPatchDeployment: async (namespace, name, operations, write) => {
      const what = `patch deployment ${namespace}/${name}`;
      try {
        return await call(
          what,
          () =>
            apps.patchNamespacedDeployment(
              { namespace, name, body: operations, dryRun: dryRun(write.dryRun), fieldManager: 'kubemend' },
              setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
            ),
          false,
        );
      } catch (error) {
        // A failed `test` operation: the API server answers 422 naming the test.
        if (error instanceof ApiException && error.code === 422 && /test/i.test(statusMessage(error.body) ?? '')) {
          throw new ConflictError(
            `${what}: the Deployment changed since it was read (${statusMessage(error.body) ?? ''})`,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
    },
    create: <K extends Kind>(kind: K, object: KindObjects[K], write: WriteOptions) =>
      call(
        `create ${describe(kind, object.metadata?.name ?? '', object.metadata?.namespace)}`,
        () =>
          objects.create<KindObjects[K] & KubernetesObject>(
            { ...object, apiVersion: KINDS[kind].apiVersion, kind },
            undefined,
            dryRun(write.dryRun),
            'kubemend',
          ),
        false,
      ),
    remove: async (kind, name, namespace, write) => {
      await call(
        `delete ${describe(kind, name, namespace)}`,
        () =>
          objects.delete(
            { apiVersion: KINDS[kind].apiVersion, kind, metadata: { name, namespace } },
            undefined,
            dryRun(write.dryRun),
            undefined,
            undefined,
            'Background',
            { preconditions: { uid: write.uid }, dryRun: write.dryRun ? ['All'] : undefined },
          ),
        false,
      );
    },
    evictPod: async (namespace, name, write) => {
      try {
        await withTimeout(
          core.createNamespacedPodEviction({
            namespace,
            name,
            body: {
              apiVersion: 'policy/v1',
              kind: 'Eviction',
              metadata: { name, namespace },
              deleteOptions: { preconditions: { uid: write.uid }, dryRun: write.dryRun ? ['All'] : undefined },
            },
            dryRun: dryRun(write.dryRun),
          }),
          options.timeoutMs,
          `evict pod ${namespace}/${name}`,
          server,
        );
      } catch (error) {
        if (error instanceof ApiException && error.code === 429) {
          throw new DisruptionBudgetError(
            `evict pod ${namespace}/${name}: ${statusMessage(error.body) ?? 'disruption budget'}`,
            {
              cause: error,
            },
          );
        }
        throw translate(error, `evict pod ${namespace}/${name}`, server, 1);
      }
    },
    deletePod: async (namespace, name, write) => {
      await call(
        `delete pod ${namespace}/${name}`,
        () =>
          core.deleteNamespacedPod({
            namespace,
            name,
            dryRun: dryRun(write.dryRun),
            body: { preconditions: { uid: write.uid }, dryRun: write.dryRun ? ['All'] : undefined },
          }),
        false,
      );
    },
  };
}

/**
 * Loads the kubeconfig the way kubectl does (KUBECONFIG, then ~/.kube/config, then in-cluster)
 * and serves every alert from its current context. With no usable context, every call to the
 * provider fails with ClusterUnreachableError, which the pipeline records as such.
 */
export function createKubeconfigProvider(options: { context?: string; timeoutMs: number }): KubeProvider {
  let api: KubeApi | undefined;
  return async () => {
    if (api !== undefined) return api;
    const kubeConfig = new KubeConfig();
    // client-node falls back to http://localhost:8080 when it finds nothing; say so instead.
    const inCluster = process.env.KUBERNETES_SERVICE_HOST !== undefined;
    if (!process.env.KUBECONFIG && !existsSync(join(homedir(), '.kube', 'config')) && !inCluster) {
      throw new ClusterUnreachableError(
        'no kubeconfig found (KUBECONFIG is unset, ~/.kube/config does not exist, not in a cluster)',
      );
    }
    try {
      kubeConfig.loadFromDefault();
    } catch (error) {
      throw new ClusterUnreachableError(`cannot load kubeconfig: ${(error as Error).message}`, { cause: error });
    }
    if (options.context !== undefined) kubeConfig.setCurrentContext(options.context);
    const current = kubeConfig.getCurrentCluster();
    if (kubeConfig.getContexts().length === 0 || current === null || current.server === '') {
      throw new ClusterUnreachableError('no kubeconfig context is configured (set KUBECONFIG or ~/.kube/config)');
    }
    api = createClientNodeKubeApi(kubeConfig, { timeoutMs: options.timeoutMs });
    return api;
  };
}

function describe(kind: Kind, name: string, namespace: string | undefined): string {
  return `${kind.toLowerCase()} ${namespace === undefined ? '' : `${namespace}/`}${name}`;
}

function failedAttempt(error: unknown): FailedAttempt {
  if (error instanceof ApiException) {
    const headers = (error.headers ?? {}) as Record<string, string | undefined>;
    const retryAfterSeconds = parseRetryAfter(headers['retry-after'] ?? headers['Retry-After']);
    return { status: error.code, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  }
  if (error instanceof ClusterUnreachableError) return { network: 'ETIMEDOUT' };
  const network = networkCode(error);
  return network === undefined ? {} : { network };
}

function translate(error: unknown, what: string, server: string, attempts: number): unknown {
  if (error instanceof KubemendError) return error;
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  if (error instanceof ApiException) {
    const detail = statusMessage(error.body) ?? error.message.split('\n')[0];
    const message = `${what}: ${detail}`;
    if (error.code === 429 || error.code >= 500) {
      // Overloaded or failing (etcd down, a restart): the cluster is not usable just now.
      return new ClusterUnreachableError(`${what}: ${server} answered ${error.code}: ${detail}${tries}`, {
        cause: error,
      });
    }
    switch (error.code) {
      case 404:
        return new NotFoundError(message, { cause: error });
      case 409:
        return new ConflictError(message, { cause: error });
      case 401:
      case 403:
        return new ForbiddenError(message, { cause: error });
      default:
        return error;
    }
  }
  const code = networkCode(error);
  if (code !== undefined) {
    return new ClusterUnreachableError(`${what}: cannot reach ${server} (${code})${tries}`, { cause: error });
  }
  return error;
}

function networkCode(error: unknown): string | undefined {
  // Structural, not `instanceof Error`: fetch errors can come from another realm.
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = cause;
  }
  return undefined;
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return undefined;
    }
  }
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string, server: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ClusterUnreachableError(`${what}: ${server} did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function eventTime(event: CoreV1Event): number {
  const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return at === undefined ? 0 : new Date(at).getTime();
}
