import { afterAll, beforeAll, beforeEach } from '@jest/globals';

import { createSsmParameterStore, ssmClient, type ParameterStore } from '../../lib/secrets/parameters.ts';
import { startFakeAws, type FakeAws } from './loopback.ts';
import { awsEnvAt } from './support.ts';

/** The SSM parameter store over the loopback AWS JSON endpoint, emptied before each test. */
export interface FakeSsm {
  /** The loopback endpoint: its parameters, requests and override. */
  aws: FakeAws;
  /** A fresh store each test, on `now`'s clock. */
  parameters: ParameterStore;
  /** The store's clock, in milliseconds; 0 at the start of each test. */
  now: number;
  /** The GetParameter requests that reached the endpoint this test. */
  reads(): FakeAws['requests'];
}

/** Starts the endpoint for the file's tests and gives each test an empty one and a new store. */
export function useFakeSsm(): FakeSsm {
  const ssm = { now: 0 } as FakeSsm;
  ssm.reads = () => ssm.aws.requests.filter((request) => request.target === 'AmazonSSM.GetParameter');
  beforeAll(async () => {
    ssm.aws = await startFakeAws();
  });
  afterAll(() => ssm.aws.close());
  beforeEach(() => {
    ssm.aws.requests.splice(0);
    ssm.aws.parameters.clear();
    ssm.aws.override = undefined;
    ssm.now = 0;
    ssm.parameters = createSsmParameterStore(ssmClient(awsEnvAt(ssm.aws.url)), { clock: () => ssm.now });
  });
  return ssm;
}
