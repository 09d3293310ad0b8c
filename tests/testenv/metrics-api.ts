import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

import { admin, testKubeconfig } from './cluster.ts';

/**
 * The resource metrics API (`metrics.k8s.io/v1beta1`) for the test control plane, served on
 * loopback through the API server's aggregation layer, as metrics-server serves it in a cluster.
 * The test cluster's kubelets are kwok's, which report no usage, so this stands in for
 * metrics-server the way kwok stands in for kubelets: the API server proxies to it and the real
 * HPA controller reads from it. Usage is what a test sets per namespace, reported for every
 * Running pod the real API server lists.
 */
export interface MetricsApi {
  /** Per-container usage reported for Running pods in `namespace` (quantities, e.g. `{ cpu: '450m' }`). */
  setUsage(namespace: string, usage: Record<string, string>): void;
  stop(): Promise<void>;
}

const GROUP_VERSION = 'metrics.k8s.io/v1beta1';
const API_SERVICE = `v1beta1.metrics.k8s.io`;
const SERVICE = { namespace: 'kube-system', name: 'kubemend-test-metrics' };

export async function startMetricsApi(): Promise<MetricsApi> {
  // The API server's own self-signed serving pair: a loopback certificate the test already has.
  const serving = join(dirname(testKubeconfig()), 'pki', 'serving');
  const usageByNamespace = new Map<string, Record<string, string>>();
  const server = createServer(
    { cert: readFileSync(join(serving, 'apiserver.crt')), key: readFileSync(join(serving, 'apiserver.key')) },
    (req, res) => {
      void respond(req.url ?? '/', usageByNamespace).then(
        ({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', status: 'Failure', message: String(error), code: 500 }));
        },
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const { core, objects } = admin();
  await core.createNamespacedService({
    namespace: SERVICE.namespace,
    body: { metadata: { name: SERVICE.name }, spec: { type: 'ExternalName', externalName: 'localhost' } },
  });
  await objects.create({
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: API_SERVICE },
    spec: {
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      service: { ...SERVICE, port },
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  } as never);

  return {
    setUsage: (namespace, usage) => usageByNamespace.set(namespace, usage),
    stop: async () => {
      await objects
        .delete({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: API_SERVICE } })
        .catch(() => undefined);
      await core.deleteNamespacedService({ ...SERVICE }).catch(() => undefined);
      await close(server);
    },
  };
}

async function respond(
  url: string,
  usageByNamespace: Map<string, Record<string, string>>,
): Promise<{ status: number; body: unknown }> {
  const { pathname, searchParams } = new URL(url, 'https://localhost');
  if (pathname === `/apis/${GROUP_VERSION}`) {
    return {
      status: 200,
      body: {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: GROUP_VERSION,
        resources: [{ name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] }],
      },
    };
  }
  const match = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/.exec(pathname);
  if (match === null)
    return { status: 404, body: { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 } };
  const namespace = decodeURIComponent(match[1]!);
  const usage = usageByNamespace.get(namespace);
  const pods =
    usage === undefined
      ? []
      : (
          await admin().core.listNamespacedPod({
            namespace,
            labelSelector: searchParams.get('labelSelector') ?? undefined,
          })
        ).items.filter((pod) => pod.status?.phase === 'Running');
  const now = new Date().toISOString();
  return {
    status: 200,
    body: {
      kind: 'PodMetricsList',
      apiVersion: GROUP_VERSION,
      metadata: {},
      items: pods.map((pod) => ({
        metadata: { name: pod.metadata?.name, namespace, labels: pod.metadata?.labels },
        timestamp: now,
        window: '1s',
        containers: (pod.spec?.containers ?? []).map((container) => ({ name: container.name, usage })),
      })),
    },
  };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
