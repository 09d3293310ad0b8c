import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from '@jest/globals';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

import { ClusterUnknownError, ClusterUnreachableError } from '../../../lib/errors.ts';
import { createRegistryProvider } from '../../../lib/clusters/registry-provider.ts';
import { noKubeconfig, testConfig } from '../../helpers/support.ts';

const credentials = async () => ({
  accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
});
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

function registry(extra: Record<string, unknown> = {}) {
  return testConfig({
    clusters: [
      {
        name: 'prod-eu-west-1',
        eks: { region: 'eu-west-1', clusterName: 'prod', endpoint: 'https://prod.example', certificateAuthority: CA },
      },
      { name: 'kind-dev', kubeconfig: { context: 'kind-dev' } },
    ],
    rules: [],
    ...extra,
  });
}

describe('cluster registry provider', () => {
  it('reaches an EKS entry under its registry name', async () => {
    const provide = createRegistryProvider(registry(), {
      identity: 'detector',
      timeoutMs: 1_000,
      kubeconfig: noKubeconfig,
      credentials,
    });

    const api = await provide('prod-eu-west-1');

    expect(api.cluster).toBe('prod-eu-west-1');
  });

  it('reuses one client while the token is fresh and builds a new one when it is renewed', async () => {
    let now = new Date('2026-11-26T02:20:00Z').getTime();
    const provide = createRegistryProvider(registry(), {
      identity: 'remediator',
      timeoutMs: 1_000,
      kubeconfig: noKubeconfig,
      credentials,
      clock: () => new Date(now),
    });

    const first = await provide('prod-eu-west-1');
    const again = await provide('prod-eu-west-1');
    now += 15 * 60_000;
    const renewed = await provide('prod-eu-west-1');

    expect(again).toBe(first);
    expect(renewed).not.toBe(first);
  });

  it('records an alert for a cluster the registry does not know as unknown, naming the known ones', async () => {
    const provide = createRegistryProvider(registry(), {
      identity: 'detector',
      timeoutMs: 1_000,
      kubeconfig: noKubeconfig,
      credentials,
    });

    await expect(provide('prod-us-east-1')).rejects.toThrow(
      new ClusterUnknownError('cluster "prod-us-east-1" is not in the registry (known: prod-eu-west-1, kind-dev)'),
    );
  });

  it('reaches no cluster for the functions when none is registered, and says how to register one', async () => {
    const provide = createRegistryProvider(testConfig({ clusters: [], rules: [] }), {
      identity: 'detector',
      timeoutMs: 1_000,
      kubeconfig: noKubeconfig,
      withoutRegistry: 'none',
    });

    await expect(provide('prod-eu-west-1')).rejects.toThrow(
      new ClusterUnknownError(
        `no cluster is registered in this deployment's config, so cluster "prod-eu-west-1" cannot be reached: register it under clusters (docs/runbooks/onboarding-a-cluster.md)`,
      ),
    );
    await expect(provide(undefined)).rejects.toThrow(/so an alert without a cluster label cannot be reached/);
    const deployed = createRegistryProvider(testConfig({ clusters: [], rules: [] }), {
      identity: 'detector',
      timeoutMs: 1_000,
      kubeconfig: noKubeconfig,
      withoutRegistry: 'none',
      registryPath: '/kubemend/prod/clusters',
    });
    await expect(deployed('prod-eu-west-1')).rejects.toThrow(
      'cannot be reached: register it as the SSM parameter /kubemend/prod/clusters/prod-eu-west-1 or under clusters (',
    );
  });

  it('says why a cluster registered in SSM was left out, and where to register one it does not know', async () => {
    const provide = createRegistryProvider(
      testConfig({ clusters: [{ name: 'prod', eks: { region: 'eu-west-1' } }], rules: [] }),
      {
        identity: 'detector',
        timeoutMs: 1_000,
        kubeconfig: noKubeconfig,
        withoutRegistry: 'none',
        registryPath: '/kubemend/prod/clusters',
        unusable: { staging: 'its registry parameter /kubemend/prod/clusters/staging is invalid: eks: Required' },
      },
    );

    await expect(provide('staging')).rejects.toThrow(
      new ClusterUnknownError(
        'cluster "staging" cannot be used: its registry parameter /kubemend/prod/clusters/staging is invalid: eks: Required',
      ),
    );
    await expect(provide('qa')).rejects.toThrow(
      new ClusterUnknownError(
        'cluster "qa" is not in the registry (known: prod): register it as the SSM parameter /kubemend/prod/clusters/qa or under clusters',
      ),
    );
  });

  it('sends an alert without a cluster label to the default cluster, and refuses it when there is none', async () => {
    const withDefault = createRegistryProvider(registry({ defaultCluster: 'prod-eu-west-1' }), {
      identity: 'detector',
      timeoutMs: 1_000,
      kubeconfig: noKubeconfig,
      credentials,
    });
    const withoutDefault = createRegistryProvider(registry(), {
      identity: 'detector',
      timeoutMs: 1_000,
      kubeconfig: noKubeconfig,
      credentials,
    });

    expect((await withDefault(undefined)).cluster).toBe('prod-eu-west-1');
    await expect(withoutDefault(undefined)).rejects.toThrow(
      'the alert has no "cluster" label and no defaultCluster is configured',
    );
  });
});

describe('cluster registry config', () => {
  it('names what is wrong with an entry', () => {
    expect(() => testConfig({ clusters: [{ name: 'a', eks: { region: 'europe' } }] })).toThrow(
      /clusters\[0\]\.eks\.region: expected an AWS region such as eu-west-1/,
    );
    expect(() => testConfig({ clusters: [{ name: 'a' }] })).toThrow(
      /clusters\[0\]: set exactly one of eks or kubeconfig/,
    );
    expect(() =>
      testConfig({ clusters: [{ name: 'a', eks: { region: 'eu-west-1', endpoint: 'https://a.example' } }] }),
    ).toThrow(/set both endpoint and certificateAuthority, or neither/);
    expect(() =>
      testConfig({ clusters: [{ name: 'a', eks: { region: 'eu-west-1', remediatorRoleArn: 'kubemend' } }] }),
    ).toThrow(/remediatorRoleArn: expected an IAM role ARN/);
    expect(() => testConfig({ clusters: [{ name: 'a', kubeconfig: {} }], defaultCluster: 'b' })).toThrow(
      /defaultCluster: names no cluster in clusters \(a\)/,
    );
  });
});

describe('cluster registry provider: endpoint discovery', () => {
  const eks = mockClient(EKSClient);

  afterEach(() => {
    eks.reset();
  });

  it('reads endpoint and CA with DescribeCluster once, and reaches the cluster there', async () => {
    const closed = await closedLoopbackPort();
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'prod', endpoint: `https://127.0.0.1:${closed}`, certificateAuthority: { data: CA } },
    });
    const provide = createRegistryProvider(
      testConfig({
        clusters: [{ name: 'prod-eu-west-1', eks: { region: 'eu-west-1', clusterName: 'prod' } }],
        rules: [],
      }),
      { identity: 'detector', timeoutMs: 2_000, credentials, kubeconfig: noKubeconfig },
    );

    const api = await provide('prod-eu-west-1');
    await provide('prod-eu-west-1');

    await expect(api.getPod('payments', 'x')).rejects.toThrow(`cannot reach https://127.0.0.1:${closed}`);
    expect(eks.commandCalls(DescribeClusterCommand).map((call) => call.args[0].input)).toEqual([{ name: 'prod' }]);
  });

  it('reports a cluster EKS cannot describe as unreachable, with the reason', async () => {
    eks
      .on(DescribeClusterCommand)
      .rejects(new Error('AccessDeniedException: not authorized to perform eks:DescribeCluster'));
    const provide = createRegistryProvider(
      testConfig({
        clusters: [{ name: 'prod-eu-west-1', eks: { region: 'eu-west-1', clusterName: 'prod' } }],
        rules: [],
      }),
      { identity: 'detector', timeoutMs: 2_000, credentials, kubeconfig: noKubeconfig },
    );

    const failure = provide('prod-eu-west-1');

    await expect(failure).rejects.toBeInstanceOf(ClusterUnreachableError);
    await expect(failure).rejects.toThrow(
      'describe EKS cluster prod in eu-west-1: AccessDeniedException: not authorized to perform eks:DescribeCluster',
    );
  });
});

function closedLoopbackPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('cluster registry provider: cross-account roles', () => {
  const sts = mockClient(STSClient);

  afterEach(() => {
    sts.reset();
  });

  it('assumes the role of its identity with that role’s own external ID', async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIATESTTESTTESTTEST',
        SecretAccessKey: 'secret',
        SessionToken: 'session',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    const closed = await closedLoopbackPort();
    const config = testConfig({
      clusters: [
        {
          name: 'prod-eu-west-1',
          eks: {
            region: 'eu-west-1',
            clusterName: 'prod',
            endpoint: `https://127.0.0.1:${closed}`,
            certificateAuthority: CA,
            detectorRoleArn: 'arn:aws:iam::222222222222:role/kubemend-detector',
            remediatorRoleArn: 'arn:aws:iam::222222222222:role/kubemend-remediator',
            externalId: 'kubemend-prod-read',
            remediatorExternalId: 'kubemend-prod-write',
          },
        },
      ],
      rules: [],
    });

    for (const identity of ['detector', 'remediator'] as const) {
      const api = await createRegistryProvider(config, {
        identity,
        timeoutMs: 2_000,
        credentials,
        kubeconfig: noKubeconfig,
      })('prod-eu-west-1');
      await expect(api.getPod('payments', 'x')).rejects.toThrow(/cannot reach/);
    }

    expect(
      sts.commandCalls(AssumeRoleCommand).map((call) => [call.args[0].input.RoleArn, call.args[0].input.ExternalId]),
    ).toEqual([
      ['arn:aws:iam::222222222222:role/kubemend-detector', 'kubemend-prod-read'],
      ['arn:aws:iam::222222222222:role/kubemend-remediator', 'kubemend-prod-write'],
    ]);
  });
});
