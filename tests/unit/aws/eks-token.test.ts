import { randomBytes } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import { createEksToken, createEksTokenSource, TOKEN_REFRESH_MS } from '../../../lib/aws/eks-token.ts';
import { canonicalArn, verifyEksToken } from '../../testenv/iam-authenticator.ts';

// Generated per run: no credential-shaped literal in the repository.
const credentials = {
  accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
};
const ARN = 'arn:aws:iam::111111111111:role/kubemend-detector';
const signedAt = new Date('2026-11-26T02:20:00Z');
const known = (key: string) =>
  key === credentials.accessKeyId ? { secretAccessKey: credentials.secretAccessKey, arn: ARN } : undefined;
const verify = (token: string, overrides: { clusterName?: string; now?: Date } = {}) =>
  verifyEksToken(token, {
    clusterName: overrides.clusterName ?? 'prod',
    now: overrides.now ?? new Date(signedAt.getTime() + 60_000),
    allowedHosts: ['sts.amazonaws.com', 'sts.eu-west-1.amazonaws.com'],
    credentials: known,
  });
const decode = (token: string) => new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
const encode = (url: URL) => `k8s-aws-v1.${Buffer.from(url.toString()).toString('base64url')}`;

describe('EKS token', () => {
  it('is a presigned regional STS GetCallerIdentity URL with the cluster header signed', async () => {
    const { token, refreshAt } = await createEksToken({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials,
      now: signedAt,
    });

    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = decode(token);
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${credentials.accessKeyId}/20261126/eu-west-1/sts/aws4_request`,
      'X-Amz-Date': '20261126T022000Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    });
    expect(refreshAt.getTime() - signedAt.getTime()).toBe(14 * 60_000);
  });

  it('verifies, by an independent SigV4 implementation, as signed by its credentials for its cluster', async () => {
    const { token } = await createEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials, now: signedAt });

    expect(verify(token)).toEqual({ arn: ARN, accessKeyId: credentials.accessKeyId });
  });

  it('carries a session token for temporary credentials and still verifies', async () => {
    const session = { ...credentials, sessionToken: `FwoGZX+/=${randomBytes(20).toString('base64')}` };
    const { token } = await createEksToken({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials: session,
      now: signedAt,
    });

    expect(decode(token).searchParams.get('X-Amz-Security-Token')).toBe(session.sessionToken);
    expect(verify(token).arn).toBe(ARN);
  });

  it('is refused for another cluster, once expired, when tampered with, or for another host', async () => {
    const { token } = await createEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials, now: signedAt });
    const tampered = decode(token);
    tampered.searchParams.set('X-Amz-Date', '20261126T022100Z');
    const otherHost = decode(token);
    otherHost.host = 'sts.example.com';

    expect(() => verify(token, { clusterName: 'staging' })).toThrow('signature does not match');
    expect(() => verify(token, { now: new Date(signedAt.getTime() + 15 * 60_000 + 1_000) })).toThrow('token expired');
    expect(() => verify(encode(tampered))).toThrow('signature does not match');
    expect(() => verify(encode(otherHost))).toThrow('unexpected host sts.example.com');
    expect(() => verify(`k8s-aws-v1.${'A'.repeat(5000)}`)).toThrow('token longer than 4 KiB');
    expect(() => verify(token.replace('k8s-aws-v1.', 'k8s-aws-v2.'))).toThrow('not a k8s-aws-v1 token');
  });

  it('is reused until 14 minutes old, then signed again', async () => {
    let now = signedAt.getTime();
    const source = createEksTokenSource({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials: async () => credentials,
      clock: () => new Date(now),
    });

    const first = await source();
    now += TOKEN_REFRESH_MS - 1_000;
    const stillFirst = await source();
    now += 2_000;
    const second = await source();

    expect(stillFirst).toBe(first);
    expect(second).not.toBe(first);
    expect(decode(second).searchParams.get('X-Amz-Date')).toBe('20261126T023401Z');
  });

  it('maps an assumed-role session to its role, as EKS access entries do', () => {
    expect(canonicalArn('arn:aws:sts::222222222222:assumed-role/kubemend-remediator/kubemend-remediator')).toBe(
      'arn:aws:iam::222222222222:role/kubemend-remediator',
    );
    expect(canonicalArn(ARN)).toBe(ARN);
  });
});
