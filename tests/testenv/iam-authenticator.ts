import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The test cluster's stand-in for EKS authentication: a kube-apiserver token webhook that checks
 * `k8s-aws-v1.` tokens the way aws-iam-authenticator's server does before it asks STS, and then
 * verifies the SigV4 signature itself with the secret of the signing credentials (STS's part: the
 * emulator cannot serve a presigned GET). The signing identity is mapped to a Kubernetes user and
 * groups through an access-entry table, as EKS access entries do.
 */

const PREFIX = 'k8s-aws-v1.';
const MAX_TOKEN_BYTES = 4096;
const VALIDITY_MS = 15 * 60_000;
const ALLOWED_QUERY_KEYS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);

/** What STS knows of a set of credentials: their secret and whose they are. */
export interface KnownCredentials {
  secretAccessKey: string;
  arn: string;
}

export interface AccessEntry {
  username: string;
  groups: string[];
}

export class TokenRejected extends Error {}

/**
 * Verifies an EKS token for `clusterName`; returns the canonical ARN of the identity that signed
 * it, or throws TokenRejected with the reason.
 */
export function verifyEksToken(
  token: string,
  options: {
    clusterName: string;
    now: Date;
    allowedHosts: readonly string[];
    credentials: (accessKeyId: string) => KnownCredentials | undefined;
  },
): { arn: string; accessKeyId: string } {
  return verifyParsed(parseToken(token, options), options);
}

interface ParsedToken {
  url: URL;
  query: Map<string, string>;
  signedHeaders: string[];
  amzDate: string;
  accessKeyId: string;
  scopeDate: string;
  region: string;
}

/** The checks that need no secret; returns the parts the signature check needs. */
export function parseToken(token: string, options: { now: Date; allowedHosts: readonly string[] }): ParsedToken {
  const reject = (reason: string): never => {
    throw new TokenRejected(reason);
  };
  if (!token.startsWith(PREFIX)) reject('not a k8s-aws-v1 token');
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) reject('token longer than 4 KiB');
  const encoded = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) reject('token is not base64url');
  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return reject('token does not decode to a URL');
  }
  if (url.protocol !== 'https:') reject(`unexpected scheme ${url.protocol}`);
  if (!options.allowedHosts.includes(url.host)) reject(`unexpected host ${url.host}`);
  if (url.pathname !== '/') reject(`unexpected path ${url.pathname}`);

  const query = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase();
    if (!ALLOWED_QUERY_KEYS.has(lower)) reject(`unexpected query key ${key}`);
    if (query.has(lower)) reject(`duplicate query key ${key}`);
    query.set(lower, value);
  }
  if (query.get('action') !== 'GetCallerIdentity') reject('action is not GetCallerIdentity');
  if (query.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') reject('unexpected signing algorithm');
  const signedHeaders = (query.get('x-amz-signedheaders') ?? '').split(';');
  if (!signedHeaders.includes('x-k8s-aws-id')) reject('x-k8s-aws-id is not signed');
  if (!signedHeaders.includes('host')) reject('host is not signed');

  const amzDate = query.get('x-amz-date') ?? '';
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (match === null) return reject('bad X-Amz-Date');
  const [, y, mo, d, h, mi, s] = match;
  const signedAt = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const age = options.now.getTime() - signedAt;
  if (age > VALIDITY_MS) reject('token expired');
  if (age < -5 * 60_000) reject('token dated in the future');

  const [accessKeyId, scopeDate, region, service, terminator] = (query.get('x-amz-credential') ?? '').split('/');
  if (
    accessKeyId === undefined ||
    scopeDate !== amzDate.slice(0, 8) ||
    service !== 'sts' ||
    terminator !== 'aws4_request'
  ) {
    reject('bad credential scope');
  }
  return { url, query, signedHeaders, amzDate, accessKeyId: accessKeyId!, scopeDate: scopeDate!, region: region ?? '' };
}

function verifyParsed(
  parsed: ParsedToken,
  options: { clusterName: string; credentials: (accessKeyId: string) => KnownCredentials | undefined },
): { arn: string; accessKeyId: string } {
  const reject = (reason: string): never => {
    throw new TokenRejected(reason);
  };
  const { url, query, signedHeaders, amzDate, accessKeyId, scopeDate, region } = parsed;
  const known = options.credentials(accessKeyId);
  if (known === undefined) return reject(`unknown access key ${accessKeyId}`);

  // SigV4, computed here independently of the signer that produced the token: the headers are
  // the ones the authenticator sends to STS, so the signature only holds for this cluster's name.
  const headers: Record<string, string> = { host: url.host, 'x-k8s-aws-id': options.clusterName };
  if (signedHeaders.some((name) => !(name in headers))) reject('a signed header the authenticator does not send');
  const canonicalQuery = [...url.searchParams]
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? compare(av, bv) : compare(a, b)))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${headers[name]}\n`).join('');
  const canonicalRequest = ['GET', '/', canonicalQuery, canonicalHeaders, signedHeaders.join(';'), sha256('')].join(
    '\n',
  );
  const scope = `${scopeDate}/${region}/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = ['aws4_request', 'sts', region, scopeDate].reduceRight<Buffer>(
    (acc, part) => hmac(acc, part),
    Buffer.from(`AWS4${known.secretAccessKey}`),
  );
  const expected = hmac(key, stringToSign).toString('hex');
  const presented = query.get('x-amz-signature') ?? '';
  if (presented.length !== expected.length || !timingSafeEqual(Buffer.from(presented), Buffer.from(expected))) {
    reject('signature does not match');
  }
  return { arn: canonicalArn(known.arn), accessKeyId };
}

/** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION → arn:aws:iam::ACCOUNT:role/ROLE, as EKS maps it. */
export function canonicalArn(arn: string): string {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return assumed === null ? arn : `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
}

export interface IamAuthenticator {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the token webhook on loopback (`POST /authenticate`, TokenReview v1) and lets tests add
 * credentials as STS would know them (`POST /credentials` with {accessKeyId, secretAccessKey, arn})
 * and access entries as `aws eks create-access-entry` adds them (`POST /access-entries` with
 * {principalArn, username, groups}); `POST /sts-emulators` with {url} names one more emulator
 * whose STS issued credentials the cluster should accept.
 */
export async function startIamAuthenticator(options: {
  clusterName: string;
  region: string;
  accessEntries: Record<string, AccessEntry>;
  /** The AWS emulator whose STS issued temporary credentials (AssumeRole); asked for their secret. */
  stsEmulator?: string;
}): Promise<IamAuthenticator> {
  const credentials = new Map<string, KnownCredentials>();
  const accessEntries = new Map(Object.entries(options.accessEntries));
  const stsEmulators = options.stsEmulator === undefined ? [] : [options.stsEmulator];
  const lookup = async (accessKeyId: string): Promise<void> => {
    for (const emulator of stsEmulators) {
      if (credentials.has(accessKeyId)) return;
      // What STS would know of credentials it issued; moto publishes its state here.
      const state = (await (await fetch(`${emulator}/moto-api/data.json`)).json()) as {
        sts?: { AssumedRole?: { access_key_id: string; secret_access_key: string; arn: string }[] };
      };
      const issued = state.sts?.AssumedRole?.find((role) => role.access_key_id === accessKeyId);
      if (issued !== undefined)
        credentials.set(accessKeyId, { secretAccessKey: issued.secret_access_key, arn: issued.arn });
    }
  };
  const allowedHosts = ['sts.amazonaws.com', `sts.${options.region}.amazonaws.com`];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      // kube-apiserver appends ?timeout=…
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method === 'POST' && path === '/credentials') {
        const { accessKeyId, secretAccessKey, arn } = body as {
          accessKeyId: string;
          secretAccessKey: string;
          arn: string;
        };
        credentials.set(accessKeyId, { secretAccessKey, arn });
        reply(204, {});
        return;
      }
      if (req.method === 'POST' && path === '/sts-emulators') {
        stsEmulators.push((body as { url: string }).url);
        reply(204, {});
        return;
      }
      if (req.method === 'POST' && path === '/access-entries') {
        const { principalArn, username, groups } = body as { principalArn: string; username: string; groups: string[] };
        accessEntries.set(principalArn, { username, groups });
        reply(204, {});
        return;
      }
      if (req.method !== 'POST' || path !== '/authenticate') {
        reply(404, {});
        return;
      }
      const review = body as { apiVersion?: string; spec?: { token?: string } };
      void (async () => {
        const status = await (async () => {
          try {
            const now = new Date();
            const parsed = parseToken(review.spec?.token ?? '', { now, allowedHosts });
            await lookup(parsed.accessKeyId);
            const { arn, accessKeyId } = verifyParsed(parsed, {
              clusterName: options.clusterName,
              credentials: (key) => credentials.get(key),
            });
            const entry = accessEntries.get(arn);
            if (entry === undefined) return { authenticated: false, error: `no access entry for ${arn}` };
            return {
              authenticated: true,
              user: {
                username: entry.username,
                uid: `aws-iam-authenticator:${arn}`,
                groups: entry.groups,
                extra: { accessKeyId: [accessKeyId], arn: [arn] },
              },
            };
          } catch (error) {
            return { authenticated: false, error: error instanceof TokenRejected ? error.message : String(error) };
          }
        })();
        reply(200, { apiVersion: review.apiVersion ?? 'authentication.k8s.io/v1', kind: 'TokenReview', status });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
