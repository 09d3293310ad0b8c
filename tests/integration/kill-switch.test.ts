import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import { ssmKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';

/** The AWS kill switch read from SSM on the AWS emulator, as the remediator function reads it. */
let moto: Moto;
let ssm: SSMClient;

beforeAll(async () => {
  moto = await startMoto();
  ssm = new SSMClient(moto.clientOptions);
}, 60_000);

afterAll(async () => {
  ssm.destroy();
  await moto.stop();
});

describe('kill switch parameter', () => {
  it('turns writes off and on again within the cache period', async () => {
    const name = '/kubemend/test/kill-switch';
    const read = ssmKillSwitch(ssm, name, { cacheMs: 0 });

    expect((await read()).on).toBe(true);
    await ssm.send(new PutParameterCommand({ Name: name, Type: 'String', Value: 'off' }));
    expect(await read()).toEqual({ on: false, reason: 'off' });
    await ssm.send(new PutParameterCommand({ Name: name, Type: 'String', Value: 'on', Overwrite: true }));
    expect((await read()).on).toBe(true);
  });
});
