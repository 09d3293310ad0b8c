import { describe, expect, it } from '@jest/globals';

import { AwsServiceError } from '../../../lib/errors.ts';
import { createEnvParameterStore } from '../../../lib/secrets/parameters.ts';
import { useFakeSsm } from '../../helpers/fake-ssm.ts';

/** The SSM parameter store against the loopback AWS JSON endpoint, and the environment store. */
const ssm = useFakeSsm();

describe('SSM parameter store', () => {
  it('reads a parameter decrypted, once for the life of the store', async () => {
    ssm.aws.parameters.set('/kubemend/prod/webhook-token', 'a-webhook-credential-of-some-length');

    const first = await ssm.parameters.get('/kubemend/prod/webhook-token');
    ssm.aws.parameters.set('/kubemend/prod/webhook-token', 'rotated');
    ssm.now = 86_400_000;
    const second = await ssm.parameters.get('/kubemend/prod/webhook-token');

    expect([first, second]).toEqual(['a-webhook-credential-of-some-length', 'a-webhook-credential-of-some-length']);
    expect(ssm.reads().map((request) => request.input)).toEqual([
      { Name: '/kubemend/prod/webhook-token', WithDecryption: true },
    ]);
  });

  it('reads a value that changes again once it is older than maxAgeMs', async () => {
    ssm.aws.parameters.set('/k', 'on');

    expect(await ssm.parameters.get('/k', { maxAgeMs: 30_000 })).toBe('on');
    ssm.aws.parameters.set('/k', 'off');
    ssm.now = 29_000;
    expect(await ssm.parameters.get('/k', { maxAgeMs: 30_000 })).toBe('on');
    ssm.now = 30_000;
    expect(await ssm.parameters.get('/k', { maxAgeMs: 30_000 })).toBe('off');
    expect(ssm.reads()).toHaveLength(2);
  });

  it('shares one request among concurrent reads of a name', async () => {
    ssm.aws.parameters.set('/p', 'v');

    const values = await Promise.all([ssm.parameters.get('/p'), ssm.parameters.get('/p'), ssm.parameters.get('/p')]);

    expect(values).toEqual(['v', 'v', 'v']);
    expect(ssm.reads()).toHaveLength(1);
  });

  it('reads a parameter that does not exist as undefined, and asks again next time', async () => {
    expect(await ssm.parameters.get('/missing')).toBeUndefined();
    ssm.aws.parameters.set('/missing', 'created since');
    expect(await ssm.parameters.get('/missing')).toBe('created since');
    expect(ssm.reads()).toHaveLength(2);
  });

  it('throws what the service answered, after the transport retries, and never keeps a failure', async () => {
    ssm.aws.override = () => ({ status: 400, body: { __type: 'AccessDeniedException', message: 'not allowed' } });

    await expect(ssm.parameters.get('/p')).rejects.toBeInstanceOf(AwsServiceError);
    await expect(ssm.parameters.get('/p')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    ssm.aws.override = undefined;
    ssm.aws.parameters.set('/p', 'v');
    expect(await ssm.parameters.get('/p')).toBe('v');
    expect(ssm.reads()).toHaveLength(3);
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
