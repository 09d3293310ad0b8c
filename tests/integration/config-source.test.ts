import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AwsJsonClient } from '../../lib/aws/json-protocol.ts';
import { loadFunctionConfig } from '../../lib/lambda/config-source.ts';
import { createSsmParameterStore, ssmClient, type ParameterStore } from '../../lib/secrets/parameters.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';

/** The functions' config from an SSM parameter on the AWS emulator, validated like the file. */
let moto: Moto;
let ssm: AwsJsonClient;
let parameters: ParameterStore;
const bundled = join(import.meta.dirname, '../../config/agent_config.yaml');

beforeAll(async () => {
  moto = await startMoto();
  ssm = ssmClient(moto.awsEnv);
  parameters = createSsmParameterStore(ssm);
}, 60_000);

afterAll(async () => {
  await moto.stop();
});

describe('agent config from SSM', () => {
  it('reads and validates the parameter, which replaces the bundled file', async () => {
    const text = readFileSync(bundled, 'utf8').replace('  mode: dry-run\n', '  mode: observe\n');
    await ssm.call('AmazonSSM.PutParameter', {
      Name: '/kubemend/test/agent-config',
      Type: 'SecureString',
      Value: text,
    });

    const config = await loadFunctionConfig(
      { KUBEMEND_CONFIG_PATH: bundled, KUBEMEND_CONFIG_PARAMETER: '/kubemend/test/agent-config' },
      parameters,
    );

    expect(config.defaults.mode).toBe('observe');
    expect(config.rules.length).toBeGreaterThan(10);
  });

  it('fails the cold start naming the parameter and the problem', async () => {
    await ssm.call('AmazonSSM.PutParameter', {
      Name: '/kubemend/test/bad-config',
      Type: 'String',
      Value: 'defaults:\n  mode: yolo\n',
    });

    await expect(
      loadFunctionConfig(
        { KUBEMEND_CONFIG_PATH: bundled, KUBEMEND_CONFIG_PARAMETER: '/kubemend/test/bad-config' },
        parameters,
      ),
    ).rejects.toThrow('ssm:/kubemend/test/bad-config: defaults.mode: Invalid option');
    await expect(
      loadFunctionConfig(
        { KUBEMEND_CONFIG_PATH: bundled, KUBEMEND_CONFIG_PARAMETER: '/kubemend/test/missing' },
        parameters,
      ),
    ).rejects.toThrow('cannot read agent config from SSM parameter /kubemend/test/missing');
  });

  it('uses the bundled file when no parameter is named', async () => {
    const config = await loadFunctionConfig(
      { KUBEMEND_CONFIG_PATH: bundled },
      {
        get: () => {
          throw new Error('SSM must not be called');
        },
      },
    );

    expect(config.defaults.mode).toBe('dry-run');
  });
});
