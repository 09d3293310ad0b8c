import { randomBytes } from 'node:crypto';

import { beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';

import type { Alert } from '../../lib/alert/schema.ts';
import { alertFixture } from '../helpers/fixtures.ts';
import { testConfig } from '../helpers/support.ts';
import {
  admin,
  applyShippedRbac,
  createDeployment,
  createNamespace,
  diagnoseOnCluster,
  rolledOut,
  rollOutBadImage,
  until,
} from '../testenv/cluster.ts';

/**
 * Pod-level problems as the kubelet (kwok) and the real scheduler report them, diagnosed by the
 * detector identity from real objects, events and ReplicaSet revisions.
 */
beforeAll(async () => {
  await applyShippedRbac();
});

const diagnose = (alert: Alert) =>
  diagnoseOnCluster(
    alert,
    testConfig({
      rules: [
        { alertname: 'KubeContainerWaiting', detector: 'container-waiting' },
        { alertname: 'KubePodNotReady', detector: 'pod-not-ready' },
      ],
    }),
  );

function alertFor(alertname: string, pod: V1Pod): Alert {
  const template = alertFixture('grouped-namespace.json', 2);
  return {
    ...template,
    labels: Object.assign(Object.create(null) as Record<string, string>, template.labels, {
      alertname,
      namespace: pod.metadata!.namespace!,
      pod: pod.metadata!.name!,
      container: 'app',
      cluster: 'test',
    }),
    fingerprint: randomBytes(8).toString('hex'),
    startsAt: new Date().toISOString(),
  };
}

const SECRET_ENV = [{ name: 'DB_PASSWORD', value: 'hunter2-do-not-log' }];

async function podsOf(namespace: string, name: string, done: (pods: V1Pod[]) => boolean, what: string) {
  return until(
    what,
    async () => (await admin().core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items,
    done,
    60_000,
  );
}

describe('pod problems on a real control plane', () => {
  it('ties a bad image to the rollout that introduced it, naming both revisions and the change', async () => {
    const namespace = await createNamespace('bad-image');
    await createDeployment(namespace, 'checkout', { replicas: 2, env: SECRET_ENV });
    await rolledOut(namespace, 'checkout', 2);
    await rollOutBadImage(namespace, 'checkout', 'registry.example/checkout:1.15.0', [
      { name: 'DB_PASSWORD', value: 'rotated-do-not-log' },
    ]);
    const [stuck] = await podsOf(
      namespace,
      'checkout',
      (pods) => pods.some((pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff'),
      'a pod of revision 2 in ImagePullBackOff',
    ).then((pods) =>
      pods.filter((pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff'),
    );

    const outcome = await diagnose(alertFor('KubeContainerWaiting', stuck!));

    expect(outcome).toMatchObject({
      result: 'no-action',
      diagnosis: {
        detector: 'container-waiting',
        anomaly: 'bad-image',
        target: { kind: 'Deployment', name: 'checkout' },
      },
    });
    expect(outcome.plan).toBeUndefined();
    expect(outcome.reason).toContain('cannot pull image registry.example/checkout:1.15.0');
    expect(outcome.reason).toContain(
      'it began after revision 2 of deployment checkout (container app image registry.example/checkout:1.14.2 → registry.example/checkout:1.15.0; container app env DB_PASSWORD changed) — roll back to revision 1',
    );
    expect(JSON.stringify(outcome)).not.toMatch(/hunter2|rotated-do-not-log/);
  }, 120_000);

  it('names the missing ConfigMap of a configuration error, with nothing to roll back to', async () => {
    const namespace = await createNamespace('config-error');
    await createDeployment(namespace, 'ledger', {
      replicas: 2,
      env: SECRET_ENV,
      labels: { 'kubemend.test/waiting-reason': 'CreateContainerConfigError' },
      annotations: { 'kubemend.test/waiting-message': 'configmap "ledger-config" not found' },
    });
    const [pod] = await podsOf(
      namespace,
      'ledger',
      (pods) => pods.length === 2 && pods.every((p) => p.status?.containerStatuses?.[0]?.state?.waiting !== undefined),
      'pods waiting in CreateContainerConfigError',
    );

    const outcome = await diagnose(alertFor('KubeContainerWaiting', pod!));

    expect(outcome.diagnosis).toMatchObject({ anomaly: 'config-error', target: { kind: 'Pod' } });
    expect(outcome.reason).toBe('container app cannot start: configmap "ledger-config" not found');
  }, 120_000);

  it('reports the scheduler’s reason for a pod no node can take', async () => {
    const namespace = await createNamespace('unschedulable');
    await createDeployment(namespace, 'batch', { replicas: 2, requests: { memory: '4Ti' } });
    const [pod] = await podsOf(
      namespace,
      'batch',
      (pods) =>
        pods.length > 0 &&
        pods.every((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable')),
      'the scheduler to give up on the pods',
    );

    const outcome = await diagnose(alertFor('KubePodNotReady', pod!));

    expect(outcome.diagnosis).toMatchObject({ detector: 'pod-not-ready', anomaly: 'unschedulable' });
    expect(outcome.reason).toMatch(/^the scheduler finds no node for the pod: .*Insufficient memory/);
  }, 120_000);

  it('tells a failing readiness probe from a crash', async () => {
    const namespace = await createNamespace('unready');
    await createDeployment(namespace, 'search', { replicas: 2, labels: { 'kubemend.test/unready': 'true' } });
    const [pod] = await podsOf(
      namespace,
      'search',
      (pods) => pods.length === 2 && pods.every((p) => p.status?.phase === 'Running'),
      'running, unready pods',
    );
    const now = new Date();
    await admin().core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name: `${pod!.metadata!.name!}.probe`, namespace },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: pod!.metadata!.name,
          namespace,
          uid: pod!.metadata!.uid,
        },
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
        type: 'Warning',
        count: 30,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: 'kubelet', host: 'kwok-node-0' },
      },
    });

    const outcome = await diagnose(alertFor('KubePodNotReady', pod!));

    expect(outcome.diagnosis).toMatchObject({ anomaly: 'probe-failure' });
    expect(outcome.reason).toBe('container app runs but is not ready: Readiness probe failed');
    expect(outcome.diagnosis!.evidence.map((item) => item.message)).toContain(
      'Unhealthy ×30: Readiness probe failed: HTTP probe failed with statuscode: 503',
    );
  }, 120_000);
});
