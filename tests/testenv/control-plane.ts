import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stringify } from 'yaml';

import { startIamAuthenticator } from './iam-authenticator.ts';

import { freePort, provision, startProcess, stopProcesses, waitFor, type Managed } from './processes.ts';

/** Identities in the test cluster: each is a bearer token mapped to a user and groups. */
export const IDENTITIES = {
  admin: { user: 'admin', groups: ['system:masters'] },
  detector: { user: 'kubemend-detector', groups: ['kubemend:detector'] },
  remediator: { user: 'kubemend-remediator', groups: ['kubemend:remediator'] },
  /** One identity holding both roles, as `kubemend serve` uses in one process. */
  kubemend: { user: 'kubemend', groups: ['kubemend:detector', 'kubemend:remediator'] },
  nobody: { user: 'nobody', groups: [] as string[] },
} as const;
export type Identity = keyof typeof IDENTITIES;

/** The EKS side of the test cluster: its name, and the IAM roles its access entries map. */
export const EKS = {
  clusterName: 'kubemend-test',
  region: 'eu-west-1',
  roles: {
    detector: 'arn:aws:iam::111111111111:role/kubemend-detector',
    remediator: 'arn:aws:iam::111111111111:role/kubemend-remediator',
    /** In another account, and bound only where a test gives its group a RoleBinding. */
    teamA: 'arn:aws:iam::222222222222:role/kubemend-team-a',
  },
} as const;

/** What the running control plane offers a test: one kubeconfig with a context per identity. */
export interface ControlPlaneInfo {
  server: string;
  /** base64 PEM of the serving certificate's CA, as EKS DescribeCluster returns it. */
  caData: string;
  /** The token webhook standing in for EKS authentication (tests/testenv/iam-authenticator.ts). */
  authenticatorUrl: string;
  kubeconfig: string;
  workDir: string;
  version: string;
  /** Seconds each component took to become ready. */
  timings: Record<string, number>;
}

export interface ControlPlane extends ControlPlaneInfo {
  /** Stops one component and starts it again with the same flags and data, and waits until it serves. */
  restart(component: 'etcd' | 'kube-apiserver'): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts etcd, kube-apiserver (RBAC, service-account keys, token authentication, loopback only),
 * kube-controller-manager, kube-scheduler and kwok with one simulated node, all built by
 * scripts/testenv and bound to 127.0.0.1, and waits until the node is Ready.
 */
export async function startControlPlane(
  options: {
    stsEmulator?: string;
    /**
     * Write an audit log (Metadata level) to `<workDir>/audit.log` (benchmarks): of every request,
     * or only of these users' requests.
     */
    audit?: boolean | { users: string[] };
    /** Raise the controllers' and the scheduler's client rate limits (seeding thousands of pods). */
    fast?: boolean;
    /** false: no kube-controller-manager (a controller outage). */ controllers?: boolean;
  } = {},
): Promise<ControlPlane> {
  const withControllers = options.controllers ?? true;
  const etcdBin = provision('etcd.sh');
  const kubeBin = provision('kube.sh');
  const kwokBin = provision('kwok.sh');
  const workDir = mkdtempSync(join(tmpdir(), 'kubemend-cluster-'));
  const processes: Managed[] = [];
  const timings: Record<string, number> = {};
  const started = Date.now();
  const mark = (name: string) => (timings[name] = (Date.now() - started) / 1000);

  const authenticator = await startIamAuthenticator({
    clusterName: EKS.clusterName,
    region: EKS.region,
    stsEmulator: options.stsEmulator,
    accessEntries: {
      [EKS.roles.detector]: { username: 'kubemend-detector', groups: ['kubemend:detector'] },
      [EKS.roles.remediator]: { username: 'kubemend-remediator', groups: ['kubemend:remediator'] },
      [EKS.roles.teamA]: { username: 'kubemend-team-a', groups: ['kubemend:remediator-team-a'] },
    },
  });
  try {
    const [etcdPort, peerPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const etcd = startProcess(
      'etcd',
      etcdBin,
      [
        '--name=default',
        `--data-dir=${join(workDir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      workDir,
    );
    processes.push(etcd);
    await waitFor(etcd, async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok);
    mark('etcd');

    const pki = join(workDir, 'pki');
    mkdirSync(pki);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(pki, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(pki, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const tokens = Object.fromEntries(
      Object.keys(IDENTITIES).map((name) => [name, randomBytes(24).toString('hex')]),
    ) as Record<Identity, string>;
    writeFileSync(
      join(pki, 'tokens.csv'),
      (Object.entries(IDENTITIES) as [Identity, (typeof IDENTITIES)[Identity]][])
        .map(([name, identity]) => `${tokens[name]},${identity.user},${identity.user},"${identity.groups.join(',')}"`)
        .join('\n') + '\n',
    );

    const webhookConfig = join(pki, 'token-webhook.kubeconfig');
    writeFileSync(
      webhookConfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'iam', cluster: { server: `${authenticator.url}/authenticate` } }],
        users: [{ name: 'apiserver', user: {} }],
        contexts: [{ name: 'iam', context: { cluster: 'iam', user: 'apiserver' } }],
        'current-context': 'iam',
      }),
    );
    const apiserver = startProcess(
      'kube-apiserver',
      join(kubeBin, 'kube-apiserver'),
      [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(pki, 'serving')}`,
        `--token-auth-file=${join(pki, 'tokens.csv')}`,
        `--authentication-token-webhook-config-file=${webhookConfig}`,
        '--authentication-token-webhook-version=v1',
        '--authentication-token-webhook-cache-ttl=1s',
        '--authorization-mode=RBAC',
        `--service-account-key-file=${join(pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--endpoint-reconciler-type=none',
        '--enable-priority-and-fairness=false',
        '--event-ttl=1h',
        ...(options.audit === undefined || options.audit === false
          ? []
          : auditFlags(workDir, options.audit === true ? undefined : options.audit.users)),
      ],
      workDir,
    );
    processes.push(apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    const caFile = join(pki, 'serving', 'apiserver.crt');
    await waitFor(apiserver, () => httpsOk(`${server}/readyz`, caFile, tokens.admin), 90_000);
    mark('kube-apiserver');

    const ca = readFileSync(caFile);
    const kubeconfig = join(workDir, 'kubeconfig');
    writeFileSync(kubeconfig, renderKubeconfig(server, ca, tokens));
    const adminKubeconfig = join(workDir, 'admin.kubeconfig');
    writeFileSync(adminKubeconfig, renderKubeconfig(server, ca, { admin: tokens.admin }));

    processes.push(
      ...(withControllers
        ? [
            startProcess(
              'kube-controller-manager',
              join(kubeBin, 'kube-controller-manager'),
              [
                `--kubeconfig=${adminKubeconfig}`,
                '--leader-elect=false',
                '--secure-port=0',
                `--service-account-private-key-file=${join(pki, 'sa.key')}`,
                `--root-ca-file=${caFile}`,
                '--use-service-account-credentials=false',
                '--controllers=*',
                '--horizontal-pod-autoscaler-sync-period=2s',
                ...(options.fast === true ? FAST_CLIENT : []),
                ...(options.fast === true
                  ? ['--concurrent-deployment-syncs=20', '--concurrent-replicaset-syncs=20']
                  : []),
              ],
              workDir,
            ),
          ]
        : []),
      startProcess(
        'kube-scheduler',
        join(kubeBin, 'kube-scheduler'),
        [
          `--kubeconfig=${adminKubeconfig}`,
          '--leader-elect=false',
          '--secure-port=0',
          ...(options.fast === true ? FAST_CLIENT : []),
        ],
        workDir,
      ),
      startProcess(
        'kwok',
        kwokBin,
        [
          `--kubeconfig=${adminKubeconfig}`,
          '--manage-all-nodes=true',
          `--config=${join(import.meta.dirname, 'kwok.yaml')}`,
          '--server-address=',
          '--node-lease-duration-seconds=40',
        ],
        workDir,
      ),
    );

    const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
      httpsJson(`${server}${path}`, caFile, tokens.admin, init);
    await admin('/api/v1/nodes', {
      method: 'POST',
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'kwok-node-0', labels: { 'kubernetes.io/hostname': 'kwok-node-0', type: 'kwok' } },
        spec: {},
      },
    });
    const kwok = processes.find((p) => p.name === 'kwok')!;
    await waitFor(kwok, async () => {
      const node = (await admin('/api/v1/nodes/kwok-node-0')) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    mark('node ready');
    const controllerManager = processes.find((p) => p.name === 'kube-controller-manager');
    if (controllerManager !== undefined) {
      await waitFor(controllerManager, async () => {
        const account = (await admin('/api/v1/namespaces/default/serviceaccounts/default')) as {
          metadata?: { name?: string };
        };
        return account.metadata?.name === 'default';
      });
      mark('controllers ready');
    }
    const version = ((await admin('/version')) as { gitVersion: string }).gitVersion;

    return {
      server,
      caData: ca.toString('base64'),
      authenticatorUrl: authenticator.url,
      kubeconfig,
      workDir,
      version,
      timings,
      restart: async (component) => {
        const index = processes.findIndex((p) => p.name === component);
        const old = processes[index]!;
        await stopProcesses([old]);
        const fresh = startProcess(component, old.command, old.args, old.workDir, { appendLog: true });
        processes[index] = fresh;
        await waitFor(
          fresh,
          component === 'etcd'
            ? async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok
            : () => httpsOk(`${server}/readyz`, caFile, tokens.admin),
          90_000,
        );
      },
      stop: async () => {
        await stopProcesses(processes);
        await authenticator.stop();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopProcesses(processes);
    await authenticator.stop();
    throw error;
  }
}

const FAST_CLIENT = ['--kube-api-qps=1000', '--kube-api-burst=2000'];

/** Every request, at Metadata level (who, verb, resource, response code), one JSON line each. */
function auditFlags(workDir: string, users?: string[]): string[] {
  const policy = join(workDir, 'audit-policy.yaml');
  writeFileSync(
    policy,
    stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      rules: users === undefined ? [{ level: 'Metadata' }] : [{ level: 'Metadata', users }, { level: 'None' }],
    }),
  );
  return [
    `--audit-policy-file=${policy}`,
    `--audit-log-path=${join(workDir, 'audit.log')}`,
    '--audit-log-mode=blocking',
  ];
}

function renderKubeconfig(server: string, ca: Buffer, tokens: Partial<Record<Identity, string>>): string {
  const names = Object.keys(tokens) as Identity[];
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': ca.toString('base64') } }],
    users: names.map((name) => ({ name, user: { token: tokens[name] } })),
    contexts: names.map((name) => ({ name, context: { cluster: 'test', user: name } })),
    'current-context': names[0],
  });
}

function httpsText(
  url: string,
  caFile: string,
  token: string,
  init: { method?: string; body?: unknown } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        ca: readFileSync(caFile),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 400)
            reject(new Error(`${init.method ?? 'GET'} ${url}: ${res.statusCode} ${text}`));
          else resolve(text);
        });
      },
    );
    req.on('error', reject);
    if (init.body !== undefined) req.write(JSON.stringify(init.body));
    req.end();
  });
}

async function httpsJson(
  url: string,
  caFile: string,
  token: string,
  init: { method?: string; body?: unknown } = {},
): Promise<unknown> {
  const text = await httpsText(url, caFile, token, init);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function httpsOk(url: string, caFile: string, token: string): Promise<boolean> {
  return (await httpsText(url, caFile, token)).trim() === 'ok';
}
