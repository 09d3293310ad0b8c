import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';

import { ClusterUnreachableError, ConflictError, ForbiddenError, NotFoundError } from '../../../lib/errors.ts';
import { createClientNodeKubeApi } from '../../../lib/kube/client-node-kube-api.ts';
import type { KubeApi } from '../../../lib/kube/kube-api.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../../../lib/kube/retry.ts';
import { backOffEvent, crashingPod, deployment } from '../../helpers/fixtures.ts';

/**
 * The adapter against a loopback HTTP server that answers as the API server does, to pin down
 * the requests it sends (paths, query, content types, bodies) and how it maps answers to errors.
 * The real API server suite covers the same calls end to end.
 */
interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
}
let server: Server;
let seen: Seen[] = [];
type Answer = { status: number; body: unknown; headers?: Record<string, string> } | 'reset';
let answer: (request: Seen) => Answer = () => ({ status: 200, body: {} });
/** The waits the adapter asked for between attempts (no real sleeping in these tests). */
let waits: number[] = [];
const quickRetry: RetryPolicy = {
  ...DEFAULT_RETRY,
  random: () => 0.5,
  sleep: async (ms) => void waits.push(ms),
};

function kubeApiAt(server: string, timeoutMs = 2_000): KubeApi {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'test', server, skipTLSVerify: true }],
    users: [{ name: 'test', token: 'test-token' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return createClientNodeKubeApi(config, { timeoutMs, retry: quickRetry });
}

/** The discovery document client-node's generic object API reads before its first Job request. */
function discovery(request: Seen): Answer | undefined {
  if (request.method !== 'GET' || request.url !== '/apis/batch/v1') return undefined;
  const resources = [{ name: 'jobs', singularName: 'job', namespaced: true, kind: 'Job', verbs: ['create', 'get'] }];
  return { status: 200, body: { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'batch/v1', resources } };
}

function status(code: number, reason: string, message: string) {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code } };
}

async function read(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

let kube: KubeApi;

beforeAll(async () => {
  server = createServer((request, response) => {
    void read(request).then((text) => {
      const entry: Seen = {
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'],
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      seen.push(entry);
      const reply = answer(entry);
      if (reply === 'reset') {
        request.socket.destroy();
        return;
      }
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      response.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  kube = kubeApiAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  waits = [];
  answer = () => ({ status: 200, body: {} });
});

describe('client-node KubeApi adapter', () => {
  it('reads a pod by namespace and name', async () => {
    answer = () => ({ status: 200, body: crashingPod() });

    const pod = await kube.getPod('payments', 'checkout-7d9f8b6c5d-x2k9p');

    expect(pod.metadata?.uid).toBe('a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e');
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/v1/namespaces/payments/pods/checkout-7d9f8b6c5d-x2k9p' });
  });

  it('lists Warning events for one object with field selectors, newest first', async () => {
    const older = { ...backOffEvent(), reason: 'Unhealthy', lastTimestamp: '2026-11-26T01:00:00Z' };
    answer = () => ({
      status: 200,
      body: { kind: 'EventList', apiVersion: 'v1', metadata: {}, items: [older, backOffEvent()] },
    });

    const events = await kube.listWarningEvents('payments', {
      kind: 'Pod',
      name: 'checkout-7d9f8b6c5d-x2k9p',
      uid: 'u1',
    });

    expect(events.map((event) => event.reason)).toEqual(['BackOff', 'Unhealthy']);
    const url = new URL(seen[0]!.url, 'http://x');
    expect(url.pathname).toBe('/api/v1/namespaces/payments/events');
    expect(url.searchParams.get('fieldSelector')).toBe(
      'involvedObject.kind=Pod,involvedObject.name=checkout-7d9f8b6c5d-x2k9p,type=Warning,involvedObject.uid=u1',
    );
  });

  it('patches the pod template as a strategic merge patch guarded by resourceVersion, dry-run when asked', async () => {
    // The generic object API looks the resource up in discovery first.
    answer = (request) =>
      request.url === '/apis/apps/v1'
        ? {
            status: 200,
            body: {
              kind: 'APIResourceList',
              groupVersion: 'apps/v1',
              resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['get', 'patch'] }],
            },
          }
        : { status: 200, body: deployment() };

    await kube.patch(
      'Deployment',
      'checkout',
      'payments',
      {
        spec: {
          template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00.000Z' } } },
        },
      },
      { dryRun: true, resourceVersion: '884213' },
    );

    const patch = seen.find((request) => request.method === 'PATCH')!;
    const url = new URL(patch.url, 'http://x');
    expect(patch).toMatchObject({ contentType: 'application/strategic-merge-patch+json' });
    expect(url.pathname).toBe('/apis/apps/v1/namespaces/payments/deployments/checkout');
    expect(url.searchParams.get('dryRun')).toBe('All');
    expect(url.searchParams.get('fieldManager')).toBe('kubemend');
    expect(patch.body).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'checkout', namespace: 'payments', resourceVersion: '884213' },
      spec: {
        template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-26T02:20:00.000Z' } } },
      },
    });
  });

  it('deletes a pod with a UID precondition and no dry-run when writing', async () => {
    answer = () => ({ status: 200, body: crashingPod() });

    await kube.deletePod('payments', 'checkout-7d9f8b6c5d-x2k9p', { dryRun: false, uid: 'a3f5' });

    expect(seen[0]).toMatchObject({ method: 'DELETE' });
    expect(new URL(seen[0]!.url, 'http://x').searchParams.has('dryRun')).toBe(false);
    expect(seen[0]!.body).toMatchObject({ preconditions: { uid: 'a3f5' } });
  });

  it.each([
    [404, 'NotFound', NotFoundError],
    [409, 'Conflict', ConflictError],
    [403, 'Forbidden', ForbiddenError],
  ])('turns %i into a %s domain error carrying the API server message', async (code, reason, type) => {
    answer = () => status(code, reason, `deployments.apps "checkout" ${reason.toLowerCase()}`);

    const failure = kube.getDeployment('payments', 'checkout');

    await expect(failure).rejects.toBeInstanceOf(type);
    await expect(failure).rejects.toThrow(
      `get deployment payments/checkout: deployments.apps "checkout" ${reason.toLowerCase()}`,
    );
  });

  it('reports a refused connection as an unreachable cluster', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const failure = kubeApiAt(`http://127.0.0.1:${port}`).getPod('payments', 'x');

    await expect(failure).rejects.toBeInstanceOf(ClusterUnreachableError);
    await expect(failure).rejects.toThrow(`get pod payments/x: cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('gives up on a server that does not answer in time', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;

    const failure = kubeApiAt(address, 200).getPod('payments', 'x');

    await expect(failure).rejects.toBeInstanceOf(ClusterUnreachableError);
    await expect(failure).rejects.toThrow(`get pod payments/x: ${address} did not answer within 200 ms`);
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('retries a read the API server failed, with growing jittered waits, until it succeeds', async () => {
    let calls = 0;
    answer = () => {
      calls += 1;
      return calls < 3 ? status(503, 'ServiceUnavailable', 'etcd is restarting') : { status: 200, body: crashingPod() };
    };

    const pod = await kube.getPod('payments', 'checkout-7d9c-abcde');

    expect(pod.metadata?.name).toBe(crashingPod().metadata?.name);
    expect(seen).toHaveLength(3);
    // Full jitter at random() = 0.5: half of 200 ms, then half of 400 ms.
    expect(waits).toEqual([100, 200]);
  });

  it('waits as long as a 429 says in Retry-After before asking again', async () => {
    let calls = 0;
    answer = () => {
      calls += 1;
      return calls === 1
        ? {
            ...status(429, 'TooManyRequests', 'too many requests, please try again later'),
            headers: { 'retry-after': '2' },
          }
        : { status: 200, body: crashingPod() };
    };

    await kube.getPod('payments', 'checkout-7d9c-abcde');

    expect(seen).toHaveLength(2);
    expect(waits).toEqual([2_000 + 100]);
  });

  it('gives up after its attempts and reports the failing cluster with what it answered', async () => {
    answer = () => status(500, 'InternalError', 'etcdserver: request timed out');

    const failure = kube.getDeployment('payments', 'checkout');

    await expect(failure).rejects.toBeInstanceOf(ClusterUnreachableError);
    await expect(failure).rejects.toThrow(
      /get deployment payments\/checkout: http:\/\/127\.0\.0\.1:\d+ answered 500: etcdserver: request timed out \(4 attempts\)/,
    );
    expect(seen).toHaveLength(4);
    expect(waits).toHaveLength(3);
  });

  it('repeats a repeatable patch whose answer was lost, but never a create', async () => {
    let patches = 0;
    answer = (request) => {
      if (request.method === 'PATCH') {
        patches += 1;
        return patches === 1 ? 'reset' : { status: 200, body: deployment() };
      }
      return discovery(request) ?? 'reset';
    };

    await kube.patch('Deployment', 'checkout', 'payments', { spec: { replicas: 3 } }, { dryRun: false });
    const create = kube.create(
      'Job',
      { metadata: { name: 'backup-retry-abcde', namespace: 'payments' } },
      {
        dryRun: false,
      },
    );

    await expect(create).rejects.toBeInstanceOf(ClusterUnreachableError);
    expect(seen.filter((request) => request.method === 'PATCH')).toHaveLength(2);
    expect(seen.filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  it('repeats a create the API server turned away with 429 before handling it', async () => {
    let posts = 0;
    answer = (request) => {
      const known = discovery(request);
      if (known !== undefined) return known;
      posts += 1;
      return posts === 1 ? status(429, 'TooManyRequests', 'slow down') : { status: 201, body: {} };
    };

    await kube.create('Job', { metadata: { name: 'backup-retry-abcde', namespace: 'payments' } }, { dryRun: false });

    expect(seen.filter((request) => request.method === 'POST')).toHaveLength(2);
  });
});
