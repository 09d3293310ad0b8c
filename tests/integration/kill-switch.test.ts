import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AwsJsonClient } from '../../lib/aws/json-protocol.ts';
import { ssmKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createSsmParameterStore, ssmClient } from '../../lib/secrets/parameters.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';

/** The AWS kill switch read from SSM on the AWS emulator, as the remediator function reads it. */
let moto: Moto;
let ssm: AwsJsonClient;

beforeAll(async () => {
  moto = await startMoto();
  ssm = ssmClient(moto.awsEnv);
}, 60_000);

afterAll(async () => {
  await moto.stop();
});

describe('kill switch parameter', () => {
  it('turns writes off and on again within the cache period', async () => {
    const name = '/kubemend/test/kill-switch';
    const read = ssmKillSwitch(createSsmParameterStore(ssm), name, { cacheMs: 0 });

    expect((await read()).on).toBe(true);
    await ssm.call('AmazonSSM.PutParameter', { Name: name, Type: 'String', Value: 'off' });
    expect(await read()).toEqual({ on: false, reason: 'off' });
    await ssm.call('AmazonSSM.PutParameter', { Name: name, Type: 'String', Value: 'on', Overwrite: true });
    expect((await read()).on).toBe(true);
  });
});
