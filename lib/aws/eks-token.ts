import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

import { Sha256 } from './sha256.ts';

/** The prefix EKS (aws-iam-authenticator) expects on a bearer token. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** The header that binds a token to one cluster; it must be among the signed headers. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** STS accepts the presigned URL for 15 minutes from its date; refresh a minute before. */
export const TOKEN_REFRESH_MS = 14 * 60_000;

export interface EksToken {
  token: string;
  /** When the token should be replaced (14 minutes after signing). */
  refreshAt: Date;
}

/**
 * An EKS bearer token: a presigned `GET https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity`
 * with `host` and `x-k8s-aws-id: <cluster>` signed, valid 60 seconds for STS to accept the
 * presigning and 15 minutes for EKS to accept the token; then `k8s-aws-v1.` + base64url (no padding).
 */
export async function createEksToken(options: {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  now?: Date;
}): Promise<EksToken> {
  const now = options.now ?? new Date();
  const hostname = `sts.${options.region}.amazonaws.com`;
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: 'sts',
    sha256: Sha256,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: options.clusterName },
    },
    { expiresIn: 60, signingDate: now },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([key, value]) => (Array.isArray(value) ? value.map((item) => [key, item]) : [[key, value ?? '']]))
    .map(([key, value]) => `${encodeRfc3986(key ?? '')}=${encodeRfc3986(value ?? '')}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'),
    refreshAt: new Date(now.getTime() + TOKEN_REFRESH_MS),
  };
}

/**
 * Tokens for one (cluster, identity), reused until 14 minutes old; concurrent callers share one
 * signing.
 */
export function createEksTokenSource(options: {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  clock?: () => Date;
}): () => Promise<string> {
  const clock = options.clock ?? (() => new Date());
  let current: Promise<EksToken> | undefined;
  return async () => {
    const cached = current === undefined ? undefined : await current.catch(() => undefined);
    if (cached !== undefined && cached.refreshAt.getTime() > clock().getTime()) return cached.token;
    current = createEksToken({ ...options, now: clock() });
    return (await current).token;
  };
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises query values. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
