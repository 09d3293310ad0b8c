import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AwsJsonClient } from '../../lib/aws/json-protocol.ts';
import { loadFunctionConfig, unusableClusters } from '../../lib/lambda/config-source.ts';
import {
  createSsmParameterStore,
  listSsmParameters,
  ssmClient,
  type ParameterStore,
} from '../../lib/secrets/parameters.ts';
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

  describe('the cluster registry, one parameter per cluster under a path', () => {
    const vars = {
      KUBEMEND_CONFIG_PATH: bundled,
      KUBEMEND_CLUSTERS_PARAMETER_PATH: '/kubemend/test/clusters',
    };
    const put = (name: string, value: string) =>
      ssm.call('AmazonSSM.PutParameter', { Name: name, Type: 'String', Value: value, Overwrite: true });
    const list = (path: string) => listSsmParameters(ssm, path);

    it('adds every cluster registered there, named after its parameter, across pages', async () => {
      // More than one page (GetParametersByPath returns at most 10).
      for (let index = 0; index < 12; index += 1) {
        await put(`/kubemend/test/clusters/prod-${String(index).padStart(2, '0')}`, `{"eks": {"region": "eu-west-1"}}`);
      }
      await put('/kubemend/test/clusters/kind-dev', 'kubeconfig:\n  context: kind-dev\n');
      // Deeper parameters are another registry's.
      await put('/kubemend/test/clusters/nested/deeper', '{"eks": {"region": "eu-west-1"}}');

      const config = await loadFunctionConfig(vars, parameters, list);

      expect(config.clusters.map((cluster) => cluster.name)).toEqual([
        'kind-dev',
        ...Array.from({ length: 12 }, (_, index) => `prod-${String(index).padStart(2, '0')}`),
      ]);
      expect(config.clusters[1]).toEqual({ name: 'prod-00', eks: { region: 'eu-west-1' } });
      // No registry parameter: the config's own clusters, as before.
      const none = await loadFunctionConfig(
        { ...vars, KUBEMEND_CLUSTERS_PARAMETER_PATH: '/kubemend/none' },
        parameters,
        list,
      );
      expect(none.clusters).toEqual([]);
    });

    it('leaves out a bad or doubled entry on its own, saying why, and keeps the others', async () => {
      const path = '/kubemend/bad/clusters';
      await put(`${path}/good`, '{"eks": {"region": "eu-west-1"}}');
      await put(`${path}/both`, '{"eks": {"region": "eu-west-1"}, "kubeconfig": {}}');
      await put(`${path}/renamed`, '{"name": "other", "eks": {"region": "eu-west-1"}}');
      await put(`${path}/listed`, '[1, 2]');
      await put(`${path}/prod`, '{"eks": {"region": "eu-west-1"}}');
      const text = readFileSync(bundled, 'utf8').replace(
        'clusters: []',
        'clusters:\n  - name: prod\n    eks: { region: eu-west-1 }',
      );
      await ssm.call('AmazonSSM.PutParameter', { Name: '/kubemend/bad/agent-config', Type: 'String', Value: text });

      const config = await loadFunctionConfig(
        { ...vars, KUBEMEND_CONFIG_PARAMETER: '/kubemend/bad/agent-config', KUBEMEND_CLUSTERS_PARAMETER_PATH: path },
        parameters,
        list,
      );

      expect(config.clusters.map((cluster) => cluster.name)).toEqual(['prod', 'good']);
      expect(unusableClusters(config)).toEqual({
        both: `its registry parameter ${path}/both is invalid: set exactly one of eks or kubeconfig`,
        renamed: `its registry parameter ${path}/renamed names another cluster: the name is the parameter's last segment (renamed); drop "name"`,
        listed: `its registry parameter ${path}/listed is not an object such as {"eks": {"region": "eu-west-1"}}`,
        prod: `its registry parameter ${path}/prod registers a cluster ssm:/kubemend/bad/agent-config already has; keep one`,
      });
    });

    it('fails the cold start when the registry cannot be read at all, naming the path', async () => {
      await expect(
        loadFunctionConfig({ ...vars, KUBEMEND_CLUSTERS_PARAMETER_PATH: '/kubemend/x/clusters' }, parameters, () =>
          Promise.reject(new Error('AccessDeniedException: not authorized to perform ssm:GetParametersByPath')),
        ),
      ).rejects.toThrow(
        'cannot read the clusters registered under SSM path /kubemend/x/clusters: AccessDeniedException: not authorized',
      );
    });
  });
});
