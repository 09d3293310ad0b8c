import type { AwsCredentialIdentityProvider } from '@smithy/types';

import { commonJsExports } from '../commonjs.ts';
import type { AgentConfig, ClusterEntry } from '../config/agent-config.ts';
import type { KubeconfigEnv } from '../env.ts';
import { ClusterUnknownError, ClusterUnreachableError, describeError } from '../errors.ts';
import type { KubeApi, KubeProvider } from '../kube/kube-api.ts';
import { createKubeconfigProvider } from '../kube/kubeconfig.ts';
import { createRestKubeApi } from '../kube/rest-kube-api.ts';

/** Which of kubemend's two identities is asking: the read-only detector or the remediator. */
export type KubeIdentity = 'detector' | 'remediator';

export interface RegistryProviderOptions {
  identity: KubeIdentity;
  timeoutMs: number;
  /** The kubeconfig context used when the registry is empty (local use). */
  kubeContext?: string;
  /** Where kubeconfig files are (lib/env.ts KubeconfigEnvSchema), for kubeconfig entries and an empty registry. */
  kubeconfig: KubeconfigEnv;
  /**
   * With no registry: the current kubeconfig context (`kubeconfig`, the CLI and `kubemend serve`
   * on a laptop), or none (`none`, the functions: a Lambda has no kubeconfig, and every alert
   * is then recorded `unknown-cluster`, saying how to register the cluster).
   */
  withoutRegistry?: 'kubeconfig' | 'none';
  /** The SSM path the functions' clusters are registered under (`<path>/<name>`), for the hint of an unknown cluster. */
  registryPath?: string;
  /** Clusters registered there but left out of the config, by name: why (lib/lambda/config-source.ts). */
  unusable?: Readonly<Record<string, string>>;
  /** The base AWS identity; the SDK's default chain (the function's role) when undefined. */
  credentials?: AwsCredentialIdentityProvider;
  clock?: () => Date;
}

/**
 * Resolves an alert's cluster through the registry in `config.clusters`: an EKS entry is reached
 * with an IAM-derived token (through the entry's role for this identity, when set, for clusters
 * in other accounts), a kubeconfig entry through its context. An alert without a cluster label
 * goes to `defaultCluster`; a name the registry does not know fails with ClusterUnknownError and
 * is never guessed. With no registry at all, every alert goes to the current kubeconfig context,
 * or, for the functions (`withoutRegistry: 'none'`), nowhere.
 */
export function createRegistryProvider(config: AgentConfig, options: RegistryProviderOptions): KubeProvider {
  const register = (name: string | undefined) =>
    options.registryPath === undefined
      ? 'under clusters'
      : `as the SSM parameter ${options.registryPath}/${name ?? '<name>'} or under clusters`;
  // A registry entry left out says why, rather than that the cluster is not known.
  const unusable = (name: string | undefined) => {
    const why = name === undefined ? undefined : options.unusable?.[name];
    if (why !== undefined) throw new ClusterUnknownError(`cluster "${name}" cannot be used: ${why}`);
  };
  if (config.clusters.length === 0 && options.withoutRegistry === 'none') {
    return async (name) => {
      unusable(name);
      throw new ClusterUnknownError(
        `no cluster is registered in this deployment's config, so ${name === undefined ? 'an alert without a cluster label' : `cluster "${name}"`} cannot be reached: register it ${register(name)} (docs/runbooks/onboarding-a-cluster.md)`,
      );
    };
  }
  if (config.clusters.length === 0) {
    return createKubeconfigProvider({
      context: options.kubeContext,
      timeoutMs: options.timeoutMs,
      env: options.kubeconfig,
    });
  }
  const providers = new Map<string, KubeProvider>();
  return async (name) => {
    const wanted = name ?? config.defaultCluster;
    if (wanted === undefined) {
      throw new ClusterUnknownError(
        `the alert has no "${config.clusterLabel}" label and no defaultCluster is configured`,
      );
    }
    const entry = config.clusters.find((cluster) => cluster.name === wanted);
    if (entry === undefined) {
      unusable(wanted);
      const known = config.clusters.map((cluster) => cluster.name).join(', ');
      throw new ClusterUnknownError(
        options.registryPath === undefined
          ? `cluster "${wanted}" is not in the registry (known: ${known})`
          : `cluster "${wanted}" is not in the registry (known: ${known}): register it ${register(wanted)}`,
      );
    }
    let provider = providers.get(entry.name);
    if (provider === undefined) {
      provider =
        entry.eks === undefined
          ? createKubeconfigProvider({
              context: entry.kubeconfig?.context,
              timeoutMs: options.timeoutMs,
              env: options.kubeconfig,
            })
          : createEksProvider(entry, entry.eks, options);
      providers.set(entry.name, provider);
    }
    return provider(entry.name);
  };
}

function createEksProvider(
  entry: ClusterEntry,
  eks: NonNullable<ClusterEntry['eks']>,
  options: RegistryProviderOptions,
): KubeProvider {
  const clusterName = eks.clusterName ?? entry.name;
  // The SDK's credential chain, STS and the signer load on first use, not with the function.
  const base =
    options.credentials ??
    lazily(async () => commonJsExports(await import('@aws-sdk/credential-provider-node')).defaultProvider());
  const roleArn = options.identity === 'detector' ? eks.detectorRoleArn : eks.remediatorRoleArn;
  const credentials =
    roleArn === undefined
      ? base
      : lazily(async () =>
          (await import('../aws/credentials.ts')).assumeRoleCredentials({
            roleArn,
            externalId:
              options.identity === 'remediator' ? (eks.remediatorExternalId ?? eks.externalId) : eks.externalId,
            region: eks.region,
            sessionName: `kubemend-${options.identity}`,
            credentials: base,
            clock: options.clock,
          }),
        );
  const token = lazily(async () =>
    (await import('../aws/eks-token.ts')).createEksTokenSource({
      clusterName,
      region: eks.region,
      credentials,
      clock: options.clock,
    }),
  );
  let endpoint: Promise<{ server: string; caData: string }> | undefined;
  const resolveEndpoint = () => {
    if (eks.endpoint !== undefined && eks.certificateAuthority !== undefined) {
      return Promise.resolve({ server: eks.endpoint, caData: eks.certificateAuthority });
    }
    endpoint ??= describeCluster(clusterName, eks.region, credentials).catch((error: unknown) => {
      endpoint = undefined;
      throw error;
    });
    return endpoint;
  };
  let current: { token: string; api: KubeApi } | undefined;
  return async () => {
    let bearer: string;
    try {
      bearer = await token();
    } catch (error) {
      throw new ClusterUnreachableError(
        `cannot get AWS credentials for cluster ${entry.name}: ${describeError(error).message}`,
        { cause: error },
      );
    }
    if (current?.token === bearer) return current.api;
    const { server, caData } = await resolveEndpoint();
    const auth = { headers: { Authorization: `Bearer ${bearer}` }, ca: Buffer.from(caData, 'base64') };
    current = {
      token: bearer,
      api: createRestKubeApi(
        { server: server.replace(/\/$/, ''), skipTLSVerify: false, auth: () => auth },
        { timeoutMs: options.timeoutMs, name: entry.name },
      ),
    };
    return current.api;
  };
}

async function describeCluster(
  clusterName: string,
  region: string,
  credentials: AwsCredentialIdentityProvider,
): Promise<{ server: string; caData: string }> {
  const { DescribeClusterCommand, EKSClient } = commonJsExports(await import('@aws-sdk/client-eks'));
  const client = new EKSClient({ region, credentials });
  try {
    const { cluster } = await client.send(new DescribeClusterCommand({ name: clusterName }));
    const server = cluster?.endpoint;
    const caData = cluster?.certificateAuthority?.data;
    if (server === undefined || caData === undefined) {
      throw new ClusterUnreachableError(`EKS cluster ${clusterName} in ${region} has no endpoint or certificate yet`);
    }
    return { server, caData };
  } catch (error) {
    if (error instanceof ClusterUnreachableError) throw error;
    throw new ClusterUnreachableError(
      `describe EKS cluster ${clusterName} in ${region}: ${describeError(error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    client.destroy();
  }
}

/**
 * A function whose implementation `load` builds on its first call (a credential provider, a token
 * source), so what it needs is imported only when a cluster is first reached.
 */
function lazily<A extends unknown[], R>(load: () => Promise<(...args: A) => Promise<R>>): (...args: A) => Promise<R> {
  let loaded: Promise<(...args: A) => Promise<R>> | undefined;
  return async (...args) => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return (await loaded)(...args);
  };
}
