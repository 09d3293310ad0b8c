import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';

import {
  ClusterUnreachableError,
  ConflictError,
  DisruptionBudgetError,
  ForbiddenError,
  KubeApiError,
  NotFoundError,
} from '../../../lib/errors.ts';
import type { KubeApi } from '../../../lib/kube/kube-api.ts';
import { createKubeConfigKubeApi } from '../../../lib/kube/kubeconfig.ts';
import { createRestKubeApi } from '../../../lib/kube/rest-kube-api.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../../../lib/http/retry.ts';
import { backOffEvent, crashingPod, deployment } from '../../helpers/fixtures.ts';
import { startLoopback, type Loopback } from '../../helpers/loopback.ts';

/**
 * The adapter, built from a plain connection (as the EKS path builds it) and from a client-node
 * KubeConfig (as kubeconfig contexts and the test helpers build it), against a loopback HTTP server that answers as the API server does, to pin down
 * the requests it sends (paths, query, content types, bodies) and how it maps answers to errors.
 * The real API server suite covers the same calls end to end.
 */
interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}
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

const builds = {
  connection: (server: string, timeoutMs: number): KubeApi =>
    createRestKubeApi(
      { server, skipTLSVerify: true, auth: async () => ({ headers: { Authorization: 'Bearer test-token' } }) },
      { timeoutMs, name: 'test', retry: quickRetry },
    ),
  kubeconfig: (server: string, timeoutMs: number): KubeApi => {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'test', server, skipTLSVerify: true }],
      users: [{ name: 'test', token: 'test-token' }],
      contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
      currentContext: 'test',
    });
    return createKubeConfigKubeApi(config, { timeoutMs, retry: quickRetry });
  },
};

function status(code: number, reason: string, message: string) {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code } };
}

let loopback: Loopback;
let url: string;

beforeAll(async () => {
  loopback = await startLoopback((request, text, response) => {
    const entry: Seen = {
      method: request.method ?? '',
      url: request.url ?? '',
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
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
  url = loopback.url;
});

afterAll(() => loopback.close());

beforeEach(() => {
  seen = [];
  waits = [];
  answer = () => ({ status: 200, body: {} });
});

describe.each(Object.keys(builds) as (keyof typeof builds)[])('REST KubeApi adapter (built from a %s)', (build) => {
  const kubeApiAt = (address: string, timeoutMs = 2_000) => builds[build](address, timeoutMs);
  let kube: KubeApi;
  beforeEach(() => {
    kube = kubeApiAt(url);
  });

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
    answer = () => ({ status: 200, body: deployment() });

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

    // Paths come from the kind table: no discovery request before the write.
    expect(seen).toHaveLength(1);
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

  it('takes an admission policy’s denial of an update (422 Invalid) for a refusal, and other 422s for what they are', async () => {
    const denial =
      "deployments.apps \"checkout\" is invalid: : ValidatingAdmissionPolicy 'kubemend-remediator-writes' with binding 'kubemend-remediator-writes' denied request: no image changes";
    answer = () => status(422, 'Invalid', denial);
    await expect(kube.getDeployment('payments', 'checkout')).rejects.toBeInstanceOf(ForbiddenError);

    answer = () => status(422, 'Invalid', 'deployments.apps "checkout" is invalid: spec.replicas: Invalid value: -1');
    await expect(kube.getDeployment('payments', 'checkout')).rejects.not.toBeInstanceOf(ForbiddenError);
  });

  it('takes an admission webhook’s denial (400 as the API server words it) for a refusal, and other 400s for failures', async () => {
    answer = () =>
      status(
        400,
        '',
        'admission webhook "validation.gatekeeper.sh" denied the request: [no-latest] image tag required',
      );
    const denied = kube.getDeployment('payments', 'checkout');
    await expect(denied).rejects.toBeInstanceOf(ForbiddenError);
    await expect(denied).rejects.toThrow(
      'get deployment payments/checkout: admission webhook "validation.gatekeeper.sh" denied the request: [no-latest] image tag required',
    );

    answer = () =>
      status(400, '', 'admission webhook "validate.kyverno.svc-fail" denied the request without explanation');
    await expect(kube.getDeployment('payments', 'checkout')).rejects.toBeInstanceOf(ForbiddenError);

    answer = () => status(400, 'BadRequest', 'the body of the request was in an unknown format');
    const bad = kube.getDeployment('payments', 'checkout');
    await expect(bad).rejects.toBeInstanceOf(KubeApiError);
    await expect(bad).rejects.not.toBeInstanceOf(ForbiddenError);
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
      return 'reset';
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
    answer = () => {
      posts += 1;
      return posts === 1 ? status(429, 'TooManyRequests', 'slow down') : { status: 201, body: {} };
    };

    await kube.create('Job', { metadata: { name: 'backup-retry-abcde', namespace: 'payments' } }, { dryRun: false });

    expect(seen.filter((request) => request.method === 'POST')).toHaveLength(2);
  });

  it('sends the bearer token and reads a cluster-scoped kind without a namespace, timestamps as sent', async () => {
    answer = () => ({
      status: 200,
      body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', creationTimestamp: '2026-11-26T01:00:00Z' } },
    });

    const node = await kube.read('Node', 'node-a');

    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/v1/nodes/node-a', authorization: 'Bearer test-token' });
    // Plain JSON, as the API server sent it: no Date objects.
    expect(node.metadata?.creationTimestamp).toBe('2026-11-26T01:00:00Z');
  });

  it('lists page by page with limit and continue, up to max', async () => {
    answer = (request) => {
      const token = new URL(request.url, 'http://x').searchParams.get('continue');
      return {
        status: 200,
        body: {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: token === null ? { continue: 'page-2' } : {},
          items: [{ metadata: { name: token === null ? 'a' : 'b' } }],
        },
      };
    };

    const pods = await kube.list('Pod', { namespace: 'payments', labelSelector: 'app=checkout', max: 3 });

    expect(pods.map((pod) => pod.metadata?.name)).toEqual(['a', 'b']);
    const [first, second] = seen.map((request) => new URL(request.url, 'http://x'));
    expect(first!.pathname).toBe('/api/v1/namespaces/payments/pods');
    expect(first!.searchParams.get('labelSelector')).toBe('app=checkout');
    expect(first!.searchParams.get('limit')).toBe('3');
    expect(first!.searchParams.has('continue')).toBe(false);
    expect(second!.searchParams.get('limit')).toBe('2');
    expect(second!.searchParams.get('continue')).toBe('page-2');
  });

  it('hands on each page before asking for the next, without managedFields', async () => {
    answer = (request) => {
      const token = new URL(request.url, 'http://x').searchParams.get('continue');
      return {
        status: 200,
        body: {
          kind: 'PodList',
          metadata: token === null ? { continue: 'page-2' } : {},
          items: [{ metadata: { name: token ?? 'first', managedFields: [{ manager: 'kubelet' }] } }],
        },
      };
    };
    const requestsAtEachPage: number[] = [];
    const names: string[] = [];

    for await (const page of kube.pages('Pod', { pageSize: 1, max: 10 })) {
      requestsAtEachPage.push(seen.length);
      names.push(...page.map((pod) => pod.metadata?.name ?? ''));
      expect(page[0]?.metadata?.managedFields).toBeUndefined();
    }

    expect(names).toEqual(['first', 'page-2']);
    expect(requestsAtEachPage).toEqual([1, 2]);
    expect(new URL(seen[0]!.url, 'http://x').searchParams.get('limit')).toBe('1');
  });

  it('lists on with the fresh token when a continue token has expired, and fails on a 410 without one', async () => {
    answer = (request) => {
      const token = new URL(request.url, 'http://x').searchParams.get('continue');
      if (token === 'stale') {
        return {
          status: 410,
          body: {
            kind: 'Status',
            status: 'Failure',
            reason: 'Expired',
            code: 410,
            message: 'The provided continue parameter is too old to display a consistent list result.',
            metadata: { continue: 'fresh' },
          },
        };
      }
      return {
        status: 200,
        body: {
          kind: 'PodList',
          metadata: token === null ? { continue: 'stale' } : {},
          items: [{ metadata: { name: token ?? 'a' } }],
        },
      };
    };

    const pods = await kube.list('Pod', { max: 10 });

    expect(pods.map((pod) => pod.metadata?.name)).toEqual(['a', 'fresh']);
    expect(seen.map((request) => new URL(request.url, 'http://x').searchParams.get('continue'))).toEqual([
      null,
      'stale',
      'fresh',
    ]);

    answer = () => ({ status: 410, body: { kind: 'Status', reason: 'Gone', code: 410, message: 'gone' } });
    await expect(kube.list('Pod')).rejects.toThrow(KubeApiError);
  });

  it('fails mid-list on a 410 without a fresh token, and on one that keeps expiring', async () => {
    const expiring = (fresh: boolean) => (request: Seen) =>
      new URL(request.url, 'http://x').searchParams.get('continue') === null
        ? {
            status: 200,
            body: { kind: 'PodList', metadata: { continue: 'stale' }, items: [{ metadata: { name: 'a' } }] },
          }
        : {
            status: 410,
            body: {
              kind: 'Status',
              reason: 'Expired',
              code: 410,
              message: 'too old',
              ...(fresh ? { metadata: { continue: 'again' } } : {}),
            },
          };

    answer = expiring(false);
    await expect(kube.list('Pod')).rejects.toThrow(KubeApiError);
    expect(seen).toHaveLength(2);

    seen = [];
    answer = expiring(true);
    await expect(kube.list('Pod')).rejects.toThrow(KubeApiError);
    // The first page, then the stale token and three fresh ones, each answered 410.
    expect(seen).toHaveLength(5);
  });

  it('lists a namespaced kind across namespaces when no namespace is given', async () => {
    answer = () => ({ status: 200, body: { kind: 'List', metadata: {}, items: [] } });

    await kube.list('Deployment');

    expect(new URL(seen[0]!.url, 'http://x').pathname).toBe('/apis/apps/v1/deployments');
  });

  it('sends a JSON patch as such, and reports a failed test operation as a conflict', async () => {
    answer = () =>
      status(422, 'Invalid', 'the server rejected our request due to an error in our request: test operation failed');
    const operations = [
      { op: 'test' as const, path: '/metadata/resourceVersion', value: '884213' },
      { op: 'replace' as const, path: '/spec/template', value: {} },
    ];

    const failure = kube.jsonPatchDeployment('payments', 'checkout', operations, { dryRun: false });

    await expect(failure).rejects.toBeInstanceOf(ConflictError);
    await expect(failure).rejects.toThrow(
      'patch deployment payments/checkout: the Deployment changed since it was read',
    );
    expect(seen).toHaveLength(1);
    const url = new URL(seen[0]!.url, 'http://x');
    expect(seen[0]).toMatchObject({ method: 'PATCH', contentType: 'application/json-patch+json', body: operations });
    expect(url.pathname).toBe('/apis/apps/v1/namespaces/payments/deployments/checkout');
    expect(url.searchParams.has('dryRun')).toBe(false);
    expect(url.searchParams.get('fieldManager')).toBe('kubemend');
  });

  it('creates into the object namespace with dry-run and field manager', async () => {
    answer = () => ({ status: 201, body: {} });

    await kube.create('Job', { metadata: { name: 'backup-retry-abcde', namespace: 'payments' } }, { dryRun: true });

    const url = new URL(seen[0]!.url, 'http://x');
    expect(seen[0]).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(url.pathname).toBe('/apis/batch/v1/namespaces/payments/jobs');
    expect(url.searchParams.get('dryRun')).toBe('All');
    expect(url.searchParams.get('fieldManager')).toBe('kubemend');
    expect(seen[0]!.body).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'backup-retry-abcde', namespace: 'payments' },
    });
  });

  it('deletes with a UID precondition and background propagation, dry-run when asked', async () => {
    answer = () => ({ status: 200, body: { kind: 'Status', status: 'Success' } });

    await kube.remove('Job', 'backup-1', 'payments', { dryRun: true, uid: 'j1' });

    const url = new URL(seen[0]!.url, 'http://x');
    expect(seen[0]).toMatchObject({ method: 'DELETE', contentType: 'application/json' });
    expect(url.pathname).toBe('/apis/batch/v1/namespaces/payments/jobs/backup-1');
    expect(url.searchParams.get('dryRun')).toBe('All');
    expect(url.searchParams.get('propagationPolicy')).toBe('Background');
    expect(seen[0]!.body).toEqual({ preconditions: { uid: 'j1' }, dryRun: ['All'] });
  });

  it('evicts through the Eviction API, once, and reports a budget that does not allow it', async () => {
    answer = () => status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.");

    const failure = kube.evictPod('payments', 'checkout-1', { dryRun: true, uid: 'p1' });

    await expect(failure).rejects.toBeInstanceOf(DisruptionBudgetError);
    await expect(failure).rejects.toThrow(
      "evict pod payments/checkout-1: Cannot evict pod as it would violate the pod's disruption budget.",
    );
    expect(seen).toHaveLength(1);
    const url = new URL(seen[0]!.url, 'http://x');
    expect(seen[0]).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(url.pathname).toBe('/api/v1/namespaces/payments/pods/checkout-1/eviction');
    expect(url.searchParams.get('dryRun')).toBe('All');
    expect(seen[0]!.body).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'checkout-1', namespace: 'payments' },
      deleteOptions: { preconditions: { uid: 'p1' }, dryRun: ['All'] },
    });
  });

  it('turns 401 into a forbidden error', async () => {
    answer = () => status(401, 'Unauthorized', 'Unauthorized');

    const failure = kube.read('Deployment', 'checkout', 'payments');

    await expect(failure).rejects.toBeInstanceOf(ForbiddenError);
    await expect(failure).rejects.toThrow('get deployment payments/checkout: Unauthorized');
  });
});

describe('REST KubeApi adapter credentials', () => {
  it('counts the time to get credentials (an exec plugin) within the attempt, and gives up when it runs out', async () => {
    const kube = createRestKubeApi(
      { server: url, skipTLSVerify: true, auth: () => new Promise(() => undefined) },
      { timeoutMs: 100, name: 'test', retry: { ...quickRetry, attempts: 1 } },
    );

    const failure = kube.getPod('payments', 'x');

    await expect(failure).rejects.toBeInstanceOf(ClusterUnreachableError);
    await expect(failure).rejects.toThrow(`get pod payments/x: ${url} did not answer within 100 ms`);
    expect(seen).toHaveLength(0);
  });
});
