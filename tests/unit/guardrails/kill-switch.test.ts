import { beforeEach, describe, expect, it } from '@jest/globals';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import { ssmKillSwitch } from '../../../lib/guardrails/kill-switch.ts';

const ssm = mockClient(SSMClient);

beforeEach(() => {
  ssm.reset();
});

describe('kill switch in SSM', () => {
  it('reads on and off', async () => {
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'off' } })
      .resolvesOnce({ Parameter: { Value: 'ON' } });
    const read = ssmKillSwitch(new SSMClient({ region: 'eu-west-1' }), '/kubemend/prod/kill-switch', { cacheMs: 0 });

    expect(await read()).toEqual({ on: false, reason: 'off' });
    expect(await read()).toEqual({
      on: true,
      reason: 'the kill switch is on (SSM parameter /kubemend/prod/kill-switch)',
    });
  });

  it('fails closed when the parameter is missing or holds something else', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} }))
      .resolvesOnce({ Parameter: { Value: 'maybe' } });
    const read = ssmKillSwitch(new SSMClient({ region: 'eu-west-1' }), '/kubemend/prod/kill-switch', { cacheMs: 0 });

    expect(await read()).toMatchObject({ on: true, reason: expect.stringContaining('cannot be read') });
    expect(await read()).toMatchObject({ on: true, reason: expect.stringContaining('holds "maybe", not on or off') });
  });

  it('reads the parameter at most once per cache period', async () => {
    let now = 0;
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'off' } });
    const read = ssmKillSwitch(new SSMClient({ region: 'eu-west-1' }), '/k', { cacheMs: 30_000, clock: () => now });

    await read();
    now = 29_000;
    await read();
    now = 31_000;
    await read();

    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });
});
