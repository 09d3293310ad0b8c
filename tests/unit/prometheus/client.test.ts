import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

import { createPrometheusClient, type PrometheusAuth } from '../../../lib/prometheus/client.ts';
import { prometheusFor } from '../../../lib/prometheus/registry.ts';
import { createEnvParameterStore } from '../../../lib/secrets/parameters.ts';
import { testConfig } from '../../helpers/support.ts';

/** What each auth mode sends, seen by a loopback server answering as the Prometheus API does. */
let server: Server;
let url: string;
let seen: { headers: IncomingHttpHeaders; body: string; path: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString(), path: request.url ?? '' });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/workspaces/ws-1`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function send(auth: PrometheusAuth) {
  seen = [];
  await createPrometheusClient({ url, auth, timeoutMs: 2_000, maxSeries: 10, maxPoints: 10 }).instant(
    'up{job="kubemend"}',
    new Date('2026-11-26T02:20:00Z'),
  );
  return seen[0]!;
}

describe('Prometheus client authentication', () => {
  it('POSTs the query as a form to the API path under the base URL', async () => {
    const request = await send({ type: 'none' });

    expect(request.path).toBe('/workspaces/ws-1/api/v1/query');
    expect(new URLSearchParams(request.body).get('query')).toBe('up{job="kubemend"}');
    expect(new URLSearchParams(request.body).get('time')).toBe('1795659600.000');
    expect(request.headers.authorization).toBeUndefined();
  });

  it('sends a bearer token or basic credentials', async () => {
    expect((await send({ type: 'bearer', token: async () => 'prom-token-123' })).headers.authorization).toBe(
      'Bearer prom-token-123',
    );
    expect(
      (await send({ type: 'basic', username: 'kubemend', password: async () => 's3cret!' })).headers.authorization,
    ).toBe(`Basic ${Buffer.from('kubemend:s3cret!').toString('base64')}`);
  });

  it('signs for Amazon Managed Service for Prometheus with SigV4 (service aps)', async () => {
    const request = await send({
      type: 'sigv4',
      region: 'eu-west-1',
      credentials: async () => ({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'example-secret',
        sessionToken: 'token',
      }),
    });

    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers['x-amz-security-token']).toBe('token');
    // The signature is the one SigV4 gives for exactly this request, body included, at its own date.
    const date = String(request.headers['x-amz-date']);
    expect(date).toMatch(/^\d{8}T\d{6}Z$/);
    const at = new Date(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    const signedNames = /SignedHeaders=([^,]+),/.exec(String(request.headers.authorization))![1]!.split(';');
    const expected = await new SignatureV4({
      service: 'aps',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret', sessionToken: 'token' },
      sha256: Sha256,
    }).sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: Number(new URL(url).port),
        path: request.path,
        headers: Object.fromEntries(
          signedNames.filter((name) => !name.startsWith('x-amz-')).map((name) => [name, String(request.headers[name])]),
        ),
        body: request.body,
      },
      { signingDate: at },
    );
    expect(request.headers.authorization).toBe(expected.headers.authorization);
  });
});

describe('Prometheus per cluster in the registry', () => {
  it('uses the cluster’s own Prometheus, else the top-level one, with secrets from the environment', async () => {
    const config = testConfig({
      clusters: [
        {
          name: 'prod',
          kubeconfig: { context: 'prod' },
          prometheus: { url, auth: { type: 'bearer', token: { env: 'PROM_TOKEN' } } },
        },
        { name: 'dev', kubeconfig: { context: 'dev' } },
      ],
      prometheus: { url: 'http://127.0.0.1:1/unused' },
    });

    seen = [];
    await prometheusFor(config, 'prod', { env: createEnvParameterStore({ PROM_TOKEN: 'from-env' }) })!.instant('up');

    expect(seen[0]!.headers.authorization).toBe('Bearer from-env');
    // A cluster without its own Prometheus queries the top-level one.
    await expect(prometheusFor(config, 'dev', { env: createEnvParameterStore({}) })!.instant('up')).rejects.toThrow(
      'cannot reach Prometheus at http://127.0.0.1:1/unused',
    );
    expect(prometheusFor(testConfig({}), 'dev', { env: createEnvParameterStore({}) })).toBeUndefined();
    await expect(prometheusFor(config, 'prod', { env: createEnvParameterStore({}) })!.instant('up')).rejects.toThrow(
      'environment variable PROM_TOKEN is not set',
    );
  });

  it('reads an ssmParameter secret through the parameter store, and needs one to', async () => {
    const config = testConfig({
      prometheus: { url, auth: { type: 'basic', username: 'kubemend', password: { ssmParameter: '/prom/password' } } },
    });
    const asked: string[] = [];
    const ssm = {
      get: async (name: string) => {
        asked.push(name);
        return 'from-ssm';
      },
    };

    seen = [];
    const client = prometheusFor(config, undefined, { env: createEnvParameterStore({}), ssm })!;
    await client.instant('up');

    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('kubemend:from-ssm').toString('base64')}`);
    expect(asked).toEqual(['/prom/password']);
    await expect(prometheusFor(config, undefined, { env: createEnvParameterStore({}) })!.instant('up')).rejects.toThrow(
      'no SSM client to read /prom/password',
    );
  });

  it('refuses a secret written into the config', () => {
    expect(() =>
      testConfig({ prometheus: { url: 'http://p:9090', auth: { type: 'bearer', token: 'literal-token' } } }),
    ).toThrow(/prometheus\.auth\.token/);
  });
});
