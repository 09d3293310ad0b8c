import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';

import {
  AppsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

import { deploymentHealth } from '../../lib/detect/deployment-health.ts';
import { createKubeConfigKubeApi } from '../../lib/kube/kubeconfig.ts';
import { alertFixture } from '../helpers/fixtures.ts';
import { startControlPlane, type ControlPlane } from '../testenv/control-plane.ts';

/**
 * KubeDeploymentGenerationMismatch happens when the Deployment controller does not act on a
 * change: here a control plane of its own runs without kube-controller-manager (an outage).
 */
let controlPlane: ControlPlane;

beforeAll(async () => {
  controlPlane = await startControlPlane({ controllers: false });
}, 120_000);

afterAll(async () => {
  await controlPlane.stop();
}, 60_000);

describe('a controller outage', () => {
  it('is diagnosed from a Deployment whose generation the controller never observed', async () => {
    const config = new KubeConfig();
    config.loadFromFile(controlPlane.kubeconfig);
    config.setCurrentContext('admin');
    const apps = config.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'checkout' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'checkout' } },
          template: {
            metadata: { labels: { app: 'checkout' } },
            spec: { containers: [{ name: 'app', image: 'registry.example/checkout:1' }] },
          },
        },
      },
    });
    await apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'checkout', body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const template = alertFixture('deployment-rollout-stuck.json');
    const alert = {
      ...template,
      labels: Object.assign(Object.create(null) as Record<string, string>, template.labels, {
        alertname: 'KubeDeploymentGenerationMismatch',
        namespace: 'default',
        deployment: 'checkout',
      }),
    };

    // The detector identity needs the shipped RBAC in this cluster too.
    config.setCurrentContext('admin');
    const objects = KubernetesObjectApi.makeApiClient(config);
    for (const document of parseAllDocuments(
      readFileSync(new URL('../../infra/kubernetes/rbac.yaml', import.meta.url), 'utf8'),
    )) {
      await objects.create(document.toJS() as KubernetesObject);
    }
    config.setCurrentContext('detector');
    const kube = createKubeConfigKubeApi(config, { timeoutMs: 10_000 });

    const diagnosis = deploymentHealth.diagnose(await deploymentHealth.observe(alert, kube), new Date());

    expect(diagnosis).toMatchObject({
      anomaly: 'generation-mismatch',
      target: { kind: 'Deployment', name: 'checkout' },
    });
    expect(diagnosis.summary).toBe(
      'the Deployment controller has not acted on generation 2 (observed 0): check kube-controller-manager',
    );
  }, 120_000);
});
