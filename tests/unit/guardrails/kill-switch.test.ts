import { describe, expect, it } from '@jest/globals';

import { ssmKillSwitch } from '../../../lib/guardrails/kill-switch.ts';
import { useFakeSsm } from '../../helpers/fake-ssm.ts';

/** The switch over the SSM parameter store, against the loopback AWS JSON endpoint. */
const NAME = '/kubemend/prod/kill-switch';
const ssm = useFakeSsm();

describe('kill switch in SSM', () => {
  it('reads on and off, true and false, in any case', async () => {
    const read = ssmKillSwitch(ssm.parameters, NAME, { cacheMs: 0 });

    ssm.aws.parameters.set(NAME, 'off');
    expect(await read()).toEqual({ on: false, reason: 'off' });
    ssm.aws.parameters.set(NAME, 'ON');
    expect(await read()).toEqual({ on: true, reason: `the kill switch is on (SSM parameter ${NAME})` });
    ssm.aws.parameters.set(NAME, ' False\n');
    expect((await read()).on).toBe(false);
    ssm.aws.parameters.set(NAME, 'true');
    expect((await read()).on).toBe(true);
  });

  it('fails closed when the parameter is missing, cannot be read or holds something else', async () => {
    const read = ssmKillSwitch(ssm.parameters, NAME, { cacheMs: 0 });

    expect(await read()).toEqual({
      on: true,
      reason: `the kill switch parameter ${NAME} cannot be read (it does not exist): treated as on`,
    });
    ssm.aws.override = () => ({ status: 400, body: { __type: 'AccessDeniedException', message: 'not allowed' } });
    expect(await read()).toEqual({
      on: true,
      reason: `the kill switch parameter ${NAME} cannot be read (not allowed): treated as on`,
    });
    ssm.aws.override = undefined;
    ssm.aws.parameters.set(NAME, 'maybe');
    expect(await read()).toMatchObject({ on: true, reason: expect.stringContaining('holds "maybe", not on or off') });
  });

  it('reads the parameter at most once per cache period', async () => {
    const read = ssmKillSwitch(ssm.parameters, NAME, { cacheMs: 30_000, clock: () => ssm.now });
    ssm.aws.parameters.set(NAME, 'on');

    expect((await read()).on).toBe(true);
    ssm.aws.parameters.set(NAME, 'off');
    ssm.now = 29_000;
    expect((await read()).on).toBe(true);
    ssm.now = 31_000;
    expect((await read()).on).toBe(false);

    expect(ssm.reads().length).toBe(2);
  });

  it('keeps a switch it could not read on for the cache period too, so an outage does not slow every write', async () => {
    const read = ssmKillSwitch(ssm.parameters, NAME, { cacheMs: 30_000, clock: () => ssm.now });
    ssm.aws.override = () => ({ status: 400, body: { __type: 'AccessDeniedException', message: 'not allowed' } });

    expect((await read()).on).toBe(true);
    ssm.aws.override = undefined;
    ssm.aws.parameters.set(NAME, 'off');
    ssm.now = 29_000;
    expect((await read()).on).toBe(true);
    ssm.now = 31_000;
    expect((await read()).on).toBe(false);

    expect(ssm.reads().length).toBe(2);
  });
});
