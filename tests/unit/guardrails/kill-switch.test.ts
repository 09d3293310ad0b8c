import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

import { ssmKillSwitch } from '../../../lib/guardrails/kill-switch.ts';
import { createSsmParameterStore, ssmClient, type ParameterStore } from '../../../lib/secrets/parameters.ts';
import { startFakeAws, type FakeAws } from '../../helpers/loopback.ts';
import { awsEnvAt } from '../../helpers/support.ts';

/** The switch over the SSM parameter store, against the loopback AWS JSON endpoint. */
let aws: FakeAws;
let parameters: ParameterStore;
let now: number;
const NAME = '/kubemend/prod/kill-switch';
const reads = () => aws.requests.filter((request) => request.target === 'AmazonSSM.GetParameter').length;

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

describe('kill switch in SSM', () => {
  it('reads on and off, true and false, in any case', async () => {
    const read = ssmKillSwitch(parameters, NAME, { cacheMs: 0 });

    aws.parameters.set(NAME, 'off');
    expect(await read()).toEqual({ on: false, reason: 'off' });
    aws.parameters.set(NAME, 'ON');
    expect(await read()).toEqual({ on: true, reason: `the kill switch is on (SSM parameter ${NAME})` });
    aws.parameters.set(NAME, ' False\n');
    expect((await read()).on).toBe(false);
    aws.parameters.set(NAME, 'true');
    expect((await read()).on).toBe(true);
  });

  it('fails closed when the parameter is missing, cannot be read or holds something else', async () => {
    const read = ssmKillSwitch(parameters, NAME, { cacheMs: 0 });

    expect(await read()).toEqual({
      on: true,
      reason: `the kill switch parameter ${NAME} cannot be read (it does not exist): treated as on`,
    });
    aws.override = () => ({ status: 400, body: { __type: 'AccessDeniedException', message: 'not allowed' } });
    expect(await read()).toEqual({
      on: true,
      reason: `the kill switch parameter ${NAME} cannot be read (not allowed): treated as on`,
    });
    aws.override = undefined;
    aws.parameters.set(NAME, 'maybe');
    expect(await read()).toMatchObject({ on: true, reason: expect.stringContaining('holds "maybe", not on or off') });
  });

  it('reads the parameter at most once per cache period', async () => {
    const read = ssmKillSwitch(parameters, NAME, { cacheMs: 30_000, clock: () => now });
    aws.parameters.set(NAME, 'on');

    expect((await read()).on).toBe(true);
    aws.parameters.set(NAME, 'off');
    now = 29_000;
    expect((await read()).on).toBe(true);
    now = 31_000;
    expect((await read()).on).toBe(false);

    expect(reads()).toBe(2);
  });

  it('keeps a switch it could not read on for the cache period too, so an outage does not slow every write', async () => {
    const read = ssmKillSwitch(parameters, NAME, { cacheMs: 30_000, clock: () => now });
    aws.override = () => ({ status: 400, body: { __type: 'AccessDeniedException', message: 'not allowed' } });

    expect((await read()).on).toBe(true);
    aws.override = undefined;
    aws.parameters.set(NAME, 'off');
    now = 29_000;
    expect((await read()).on).toBe(true);
    now = 31_000;
    expect((await read()).on).toBe(false);

    expect(reads()).toBe(2);
  });
});
