import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import { loadFunctionConfig } from '../../lib/lambda/config-source.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';

/** The functions' config from an SSM parameter on the AWS emulator, validated like the file. */
let moto: Moto;
let ssm: SSMClient;
const bundled = join(import.meta.dirname, '../../config/agent_config.yaml');

beforeAll(async () => {
  moto = await startMoto();
  ssm = new SSMClient(moto.clientOptions);
}, 60_000);

afterAll(async () => {
  ssm.destroy();
  await moto.stop();
});

describe('agent config from SSM', () => {
  it('reads and validates the parameter, which replaces the bundled file', async () => {
    const text = readFileSync(bundled, 'utf8').replace('  mode: dry-run\n', '  mode: observe\n');
    await ssm.send(new PutParameterCommand({ Name: '/kubemend/test/agent-config', Type: 'SecureString', Value: text }));

    const config = await loadFunctionConfig(
      { KUBEMEND_CONFIG_PATH: bundled, KUBEMEND_CONFIG_PARAMETER: '/kubemend/test/agent-config' },
      () => ssm,
    );

    expect(config.defaults.mode).toBe('observe');
    expect(config.rules.length).toBeGreaterThan(10);
  });

  it('fails the cold start naming the parameter and the problem', async () => {
    await ssm.send(
      new PutParameterCommand({
        Name: '/kubemend/test/bad-config',
        Type: 'String',
        Value: 'defaults:\n  mode: yolo\n',
      }),
    );

    await expect(
      loadFunctionConfig(
        { KUBEMEND_CONFIG_PATH: bundled, KUBEMEND_CONFIG_PARAMETER: '/kubemend/test/bad-config' },
        () => ssm,
      ),
    ).rejects.toThrow('ssm:/kubemend/test/bad-config: defaults.mode: Invalid option');
    await expect(
      loadFunctionConfig(
        { KUBEMEND_CONFIG_PATH: bundled, KUBEMEND_CONFIG_PARAMETER: '/kubemend/test/missing' },
        () => ssm,
      ),
    ).rejects.toThrow('cannot read agent config from SSM parameter /kubemend/test/missing');
  });

  it('uses the bundled file when no parameter is named', async () => {
    const config = await loadFunctionConfig({ KUBEMEND_CONFIG_PATH: bundled }, () => {
      throw new Error('SSM must not be called');
    });

    expect(config.defaults.mode).toBe('dry-run');
  });
});
