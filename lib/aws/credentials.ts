import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

import { KubemendError } from '../errors.ts';

/** Assumed-role credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * Credentials of `roleArn`, assumed with the base identity (the function's own role) through
 * STS, cached until five minutes before they expire. For clusters in other accounts; the role's
 * trust policy names kubemend's role and, when set, the external ID.
 */
export function assumeRoleCredentials(options: {
  roleArn: string;
  externalId?: string;
  region: string;
  sessionName?: string;
  /** The base identity; the SDK's default chain when undefined. */
  credentials?: AwsCredentialIdentityProvider;
  clock?: () => Date;
}): AwsCredentialIdentityProvider {
  const sts = new STSClient({ region: options.region, credentials: options.credentials });
  const clock = options.clock ?? (() => new Date());
  let current: Promise<AwsCredentialIdentity> | undefined;
  const fetchCredentials = async (): Promise<AwsCredentialIdentity> => {
    const result = await sts.send(
      new AssumeRoleCommand({
        RoleArn: options.roleArn,
        RoleSessionName: options.sessionName ?? 'kubemend',
        ExternalId: options.externalId,
        DurationSeconds: 3600,
      }),
    );
    const credentials = result.Credentials;
    if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
      throw new KubemendError('assume_role_failed', `STS returned no credentials for ${options.roleArn}`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    };
  };
  return async () => {
    const cached = current === undefined ? undefined : await current.catch(() => undefined);
    const fresh =
      cached !== undefined &&
      (cached.expiration === undefined || cached.expiration.getTime() - RENEW_BEFORE_MS > clock().getTime());
    if (fresh) return cached;
    current = fetchCredentials();
    return current;
  };
}
