import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

import { AwsServiceError } from '../../../lib/errors.ts';
import {
  createEnvParameterStore,
  createSsmParameterStore,
  ssmClient,
  type ParameterStore,
} from '../../../lib/secrets/parameters.ts';
import { startFakeAws, type FakeAws } from '../../helpers/loopback.ts';
import { awsEnvAt } from '../../helpers/support.ts';

/** The SSM parameter store against the loopback AWS JSON endpoint, and the environment store. */
let aws: FakeAws;
let now: number;
let parameters: ParameterStore;
const reads = () => aws.requests.filter((request) => request.target === 'AmazonSSM.GetParameter');

beforeAll(async () => {
  aws = await startFakeAws();
});

afterAll(() => aws.close());

beforeEach(() => {
  aws.requests.splice(0);
  aws.parameters.clear();
  aws.override = undefined;
  now = 0;
  parameters = createSsmParameterStore(ssmClient(awsEnvAt(aws.url)), { clock: () => now });
});

describe('SSM parameter store', () => {
  it('reads a parameter decrypted, once for the life of the store', async () => {
    aws.parameters.set('/kubemend/prod/webhook-token', 'a-webhook-credential-of-some-length');

    const first = await parameters.get('/kubemend/prod/webhook-token');
    aws.parameters.set('/kubemend/prod/webhook-token', 'rotated');
    now = 86_400_000;
    const second = await parameters.get('/kubemend/prod/webhook-token');

    expect([first, second]).toEqual(['a-webhook-credential-of-some-length', 'a-webhook-credential-of-some-length']);
    expect(reads().map((request) => request.input)).toEqual([
      { Name: '/kubemend/prod/webhook-token', WithDecryption: true },
    ]);
  });

  it('reads a value that changes again once it is older than maxAgeMs', async () => {
    aws.parameters.set('/k', 'on');

    expect(await parameters.get('/k', { maxAgeMs: 30_000 })).toBe('on');
    aws.parameters.set('/k', 'off');
    now = 29_000;
    expect(await parameters.get('/k', { maxAgeMs: 30_000 })).toBe('on');
    now = 30_000;
    expect(await parameters.get('/k', { maxAgeMs: 30_000 })).toBe('off');
    expect(reads()).toHaveLength(2);
  });

  it('shares one request among concurrent reads of a name', async () => {
    aws.parameters.set('/p', 'v');

    const values = await Promise.all([parameters.get('/p'), parameters.get('/p'), parameters.get('/p')]);

    expect(values).toEqual(['v', 'v', 'v']);
    expect(reads()).toHaveLength(1);
  });

  it('reads a parameter that does not exist as undefined, and asks again next time', async () => {
    expect(await parameters.get('/missing')).toBeUndefined();
    aws.parameters.set('/missing', 'created since');
    expect(await parameters.get('/missing')).toBe('created since');
    expect(reads()).toHaveLength(2);
  });

  it('throws what the service answered, after the transport retries, and never keeps a failure', async () => {
    aws.override = () => ({ status: 400, body: { __type: 'AccessDeniedException', message: 'not allowed' } });

    await expect(parameters.get('/p')).rejects.toBeInstanceOf(AwsServiceError);
    await expect(parameters.get('/p')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    aws.override = undefined;
    aws.parameters.set('/p', 'v');
    expect(await parameters.get('/p')).toBe('v');
    expect(reads()).toHaveLength(3);
  });
});

describe('environment parameter store', () => {
  it('reads a variable, an unset or empty one as undefined', async () => {
    const env = createEnvParameterStore({ PROM_TOKEN: 'from-env', EMPTY: '' });

    expect(await env.get('PROM_TOKEN')).toBe('from-env');
    expect(await env.get('EMPTY')).toBeUndefined();
    expect(await env.get('UNSET')).toBeUndefined();
  });
});
