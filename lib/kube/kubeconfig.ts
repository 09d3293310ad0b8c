import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

import type { KubeConfig } from '@kubernetes/client-node';

import { parseDocument } from '../document.ts';
import type { KubeconfigEnv } from '../env.ts';
import { ClusterUnreachableError, ValidationError } from '../errors.ts';
import type { KubeApi, KubeProvider } from './kube-api.ts';
import { createRestKubeApi, type KubeConnection, type KubeRequestAuth } from './rest-kube-api.ts';
import type { RetryPolicy } from '../http/retry.ts';

/**
 * A connection for a client-node KubeConfig's current context. client-node works out the TLS
 * material and the credentials (tokens, client certificates, exec plugins, auth providers,
 * proxies) before every request; the requests themselves go through the lean adapter.
 */
export function kubeConfigConnection(kubeConfig: KubeConfig): KubeConnection {
  const cluster = kubeConfig.getCurrentCluster();
  return {
    server: cluster?.server ?? 'unknown server',
    skipTLSVerify: cluster?.skipTLSVerify === true,
    defaultNamespace: kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || undefined,
    auth: async () => {
      const options: {
        headers?: Record<string, string | number | string[]>;
        ca?: string | Buffer;
        cert?: string | Buffer;
        key?: string | Buffer;
        servername?: string;
        auth?: string;
        agent?: unknown;
      } = {};
      await kubeConfig.applyToHTTPSOptions(options as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
      const headers = Object.fromEntries(
        Object.entries(options.headers ?? {}).map(([name, value]) => [name, String(value)]),
      );
      if (options.auth !== undefined) headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
      return {
        headers,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        servername: options.servername,
        // client-node's agent only when it goes through a proxy; otherwise the adapter's kept-alive one.
        ...(cluster?.proxyUrl ? { agent: options.agent as KubeRequestAuth['agent'] } : {}),
      };
    },
  };
}

/** kubemend's KubeApi for a client-node KubeConfig's current context (test helpers, local tools). */
export function createKubeConfigKubeApi(
  kubeConfig: KubeConfig,
  options: { timeoutMs: number; name?: string; retry?: RetryPolicy },
): KubeApi {
  const name = options.name ?? (kubeConfig.getCurrentContext() || kubeConfig.getCurrentCluster()?.name || 'default');
  return createRestKubeApi(kubeConfigConnection(kubeConfig), { ...options, name });
}

/**
 * Loads the kubeconfig the way kubectl does (KUBECONFIG, then ~/.kube/config, then in-cluster;
 * `env`, parsed in lib/env.ts, says where) and serves every alert from its current context. With
 * no usable context, every call to the provider fails with ClusterUnreachableError, which the
 * pipeline records as such.
 *
 * A single kubeconfig file whose context uses a token or a client certificate is read here;
 * anything else (several files, in-cluster, exec plugins, auth providers, proxies, entries
 * client-node would reject) is left to @kubernetes/client-node, loaded only then.
 */
export function createKubeconfigProvider(options: {
  context?: string;
  timeoutMs: number;
  env: KubeconfigEnv;
}): KubeProvider {
  const { env } = options;
  let api: KubeApi | undefined;
  return async () => {
    if (api !== undefined) return api;
    const simple = readSimpleKubeconfig(options.context, env);
    if (simple !== undefined) {
      api = createRestKubeApi(simple.connection, { timeoutMs: options.timeoutMs, name: simple.name });
      return api;
    }
    // client-node falls back to http://localhost:8080 when it finds nothing; say so instead.
    // (loadFromDefault reads the same variables from the process environment itself.)
    if (env.files.length === 0 && !existsSync(join(env.home ?? homedir(), '.kube', 'config')) && !env.inCluster) {
      throw new ClusterUnreachableError(
        'no kubeconfig found (KUBECONFIG is unset, ~/.kube/config does not exist, not in a cluster)',
      );
    }
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kubeConfig = new KubeConfig();
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
    api = createKubeConfigKubeApi(kubeConfig, { timeoutMs: options.timeoutMs });
    return api;
  };
}

const SIMPLE_CLUSTER = new Set([
  'server',
  'certificate-authority-data',
  'certificate-authority',
  'insecure-skip-tls-verify',
  'tls-server-name',
]);
const SIMPLE_USER = new Set([
  'token',
  'client-certificate-data',
  'client-certificate',
  'client-key-data',
  'client-key',
]);

type Entry = Record<string, unknown>;

function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function named(list: unknown, key: string): Entry[] | undefined {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return undefined;
  const entries = list as unknown[];
  // Every entry as client-node accepts it: a name and the inner object.
  return entries.every((entry) => isEntry(entry) && typeof entry.name === 'string' && entry.name !== '')
    ? (entries as Entry[]).filter((entry) => isEntry(entry[key]) || key === 'user')
    : undefined;
}

/**
 * The current (or named) context of a single kubeconfig file when it is plain: a server, its CA,
 * a token or client certificate. Undefined for anything else, which client-node then reads.
 */
function readSimpleKubeconfig(
  context: string | undefined,
  env: KubeconfigEnv,
): { name: string; connection: KubeConnection } | undefined {
  let file: string;
  if (env.files.length === 1) file = env.files[0]!;
  else if (env.files.length > 1 || env.home === undefined) return undefined;
  else file = join(env.home, '.kube', 'config');
  try {
    const document = parseDocument(readFileSync(file, 'utf8'));
    if (!isEntry(document)) return undefined;
    const clusters = named(document.clusters, 'cluster');
    const users = named(document.users, 'user');
    const contexts = named(document.contexts, 'context');
    if (clusters === undefined || users === undefined || contexts === undefined) return undefined;
    if ((document.clusters as unknown[] | undefined)?.length !== clusters.length) return undefined;
    if ((document.contexts as unknown[] | undefined)?.length !== contexts.length) return undefined;
    const currentName = context ?? document['current-context'];
    const current = contexts.find((entry) => entry.name === currentName)?.context as Entry | undefined;
    if (current === undefined || typeof current.cluster !== 'string' || typeof current.user !== 'string') {
      return undefined;
    }
    const cluster = clusters.find((entry) => entry.name === current.cluster)?.cluster as Entry | undefined;
    const user = (users.find((entry) => entry.name === current.user)?.user ?? {}) as Entry;
    if (cluster === undefined || !users.some((entry) => entry.name === current.user) || !isEntry(user)) {
      return undefined;
    }
    if (Object.keys(cluster).some((key) => !SIMPLE_CLUSTER.has(key))) return undefined;
    if (Object.keys(user).some((key) => !SIMPLE_USER.has(key))) return undefined;
    if (
      clusters.some((entry) => typeof (entry.cluster as Entry).server !== 'string' || !(entry.cluster as Entry).server)
    ) {
      return undefined;
    }
    const strings = [...Object.values(cluster), ...Object.values(user)].filter((value) => typeof value !== 'boolean');
    if (strings.some((value) => typeof value !== 'string')) return undefined;
    if (current.namespace !== undefined && typeof current.namespace !== 'string') return undefined;
    // As client-node: a file path wins over inline data; paths are relative to the kubeconfig.
    const material = (pathKey: string, dataKey: string, from: Entry): Buffer | undefined => {
      const path = from[pathKey] as string | undefined;
      if (path) return readFileSync(isAbsolute(path) ? path : join(dirname(file), path));
      const data = from[dataKey] as string | undefined;
      return data ? Buffer.from(data, 'base64') : undefined;
    };
    const auth: KubeRequestAuth = {
      headers: typeof user.token === 'string' && user.token !== '' ? { Authorization: `Bearer ${user.token}` } : {},
      ca: material('certificate-authority', 'certificate-authority-data', cluster),
      cert: material('client-certificate', 'client-certificate-data', user),
      key: material('client-key', 'client-key-data', user),
      servername: (cluster['tls-server-name'] as string | undefined) || undefined,
    };
    return {
      name: String(currentName),
      connection: {
        server: (cluster.server as string).replace(/\/$/, ''),
        skipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
        defaultNamespace: current.namespace || undefined,
        auth: () => auth,
      },
    };
  } catch {
    return undefined;
  }
}

/** The kubeconfig files kubectl reads, the contexts they name and the current one (the first file's that sets it). */
export interface KubeconfigContexts {
  files: string[];
  names: string[];
  current?: string;
  inCluster: boolean;
}

/** What `env`'s kubeconfig files name, read as kubectl merges them; a file that is missing or not YAML names nothing. */
export function kubeconfigContexts(env: KubeconfigEnv): KubeconfigContexts {
  const files = env.files.length > 0 ? env.files : env.home === undefined ? [] : [join(env.home, '.kube', 'config')];
  const names: string[] = [];
  let current: string | undefined;
  const found: string[] = [];
  for (const file of files) {
    let document: unknown;
    try {
      document = parseDocument(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (!isEntry(document)) continue;
    found.push(file);
    for (const entry of named(document.contexts, 'context') ?? []) {
      if (!names.includes(entry.name as string)) names.push(entry.name as string);
    }
    const set = document['current-context'];
    if (current === undefined && typeof set === 'string' && set !== '') current = set;
  }
  return { files: found, names, ...(current === undefined ? {} : { current }), inCluster: env.inCluster };
}

/**
 * Checks a context asked for by name before anything starts: a name no kubeconfig file has is a
 * ValidationError that lists the ones there are. Returns how the cluster is reached, for the
 * banner and the logs: the context and its files, the in-cluster account, or that there is none.
 */
export function describeKubeconfigChoice(context: string | undefined, env: KubeconfigEnv): string {
  const known = kubeconfigContexts(env);
  const where = known.files.join(', ');
  if (context !== undefined) {
    if (!known.names.includes(context)) {
      throw new ValidationError(
        known.names.length === 0
          ? `kubeconfig context "${context}" does not exist: no kubeconfig file names any (${files(env)})`
          : `kubeconfig context "${context}" does not exist in ${where} (known: ${known.names.join(', ')})`,
      );
    }
    return `kubeconfig context ${context} (${where})`;
  }
  if (known.current !== undefined) return `kubeconfig context ${known.current}, the current one (${where})`;
  if (known.inCluster) return 'the in-cluster service account';
  return `no kubeconfig context (${files(env)}): every alert is recorded cluster-unreachable until there is one`;
}

function files(env: KubeconfigEnv): string {
  return env.files.length > 0 ? `KUBECONFIG=${env.files.join(':')}` : 'KUBECONFIG is unset, ~/.kube/config has none';
}
