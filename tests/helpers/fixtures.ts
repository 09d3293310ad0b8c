import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CoreV1Event, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

import { parseWebhook, type Alert, type Webhook } from '../../lib/alert/schema.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export function readFixture(relative: string): string {
  return readFileSync(join(FIXTURES, relative), 'utf8');
}

export function webhookFixture(name: string): Webhook {
  return parseWebhook(readFixture(`alerts/${name}`));
}

export function alertFixture(name = 'crashlooping-single.json', index = 0): Alert {
  const alert = webhookFixture(name).alerts[index];
  if (alert === undefined) throw new Error(`no alert ${index} in ${name}`);
  return alert;
}

/** The Deployment checkout in payments, fully rolled out at revision 3, as a real cluster reports it. */
export function deployment(
  overrides: { paused?: boolean; progressing?: string; updatedReplicas?: number } = {},
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'checkout',
      namespace: 'payments',
      uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
      resourceVersion: '884213',
      generation: 7,
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      creationTimestamp: new Date('2026-10-02T09:00:00Z'),
    },
    spec: {
      replicas: 3,
      paused: overrides.paused,
      selector: { matchLabels: { app: 'checkout' } },
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.example/checkout:1.14.2',
              resources: { limits: { memory: '256Mi' }, requests: { memory: '128Mi' } },
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: 7,
      replicas: 3,
      updatedReplicas: overrides.updatedReplicas ?? 3,
      readyReplicas: 1,
      availableReplicas: 1,
      conditions: [
        {
          type: 'Progressing',
          status: 'True',
          reason: overrides.progressing ?? 'NewReplicaSetAvailable',
          message: 'ReplicaSet "checkout-7d9f8b6c5d" has successfully progressed.',
        },
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
      ],
    },
  };
}

export function replicaSet(revision = '3'): V1ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'checkout-7d9f8b6c5d',
      namespace: 'payments',
      uid: '0b8e7c6d-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
      annotations: { 'deployment.kubernetes.io/revision': revision },
      creationTimestamp: new Date('2026-11-20T15:30:00Z'),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'checkout',
          uid: '6f1c2a8e-1b7d-4c55-9a0e-3f2d6b7c8a91',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { replicas: 3, selector: { matchLabels: { app: 'checkout' } } },
    status: { replicas: 3, readyReplicas: 1 },
  };
}

/** A pod of checkout whose container `app` is in CrashLoopBackOff after exiting with code 1. */
export function crashingPod(
  overrides: {
    owner?: { kind: string; name: string } | null;
    lastReason?: string;
    exitCode?: number;
    running?: boolean;
    name?: string;
    creationTimestamp?: string;
  } = {},
): V1Pod {
  const owner = overrides.owner === undefined ? { kind: 'ReplicaSet', name: 'checkout-7d9f8b6c5d' } : overrides.owner;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: overrides.name ?? 'checkout-7d9f8b6c5d-x2k9p',
      ...(overrides.creationTimestamp === undefined
        ? {}
        : { creationTimestamp: new Date(overrides.creationTimestamp) }),
      namespace: 'payments',
      uid: 'a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e',
      annotations: {},
      ownerReferences:
        owner === null
          ? undefined
          : [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'owner-uid', controller: true }],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example/checkout:1.14.2',
          resources: { limits: { memory: '256Mi' }, requests: { memory: '128Mi' } },
        },
      ],
    },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: 'registry.example/checkout:1.14.2',
          imageID: 'registry.example/checkout@sha256:4c1e',
          ready: overrides.running === true,
          started: overrides.running === true,
          restartCount: 14,
          state:
            overrides.running === true
              ? { running: { startedAt: new Date('2026-11-26T02:40:00Z') } }
              : {
                  waiting: {
                    reason: 'CrashLoopBackOff',
                    message: 'back-off 5m0s restarting failed container=app pod=checkout-7d9f8b6c5d-x2k9p_payments',
                  },
                },
          lastState: {
            terminated: {
              reason: overrides.lastReason ?? 'Error',
              exitCode: overrides.exitCode ?? 1,
              startedAt: new Date('2026-11-26T02:13:01Z'),
              finishedAt: new Date('2026-11-26T02:13:04Z'),
            },
          },
        },
      ],
    },
  };
}

export function backOffEvent(): CoreV1Event {
  return {
    metadata: { name: 'checkout-7d9f8b6c5d-x2k9p.17b2', namespace: 'payments' },
    involvedObject: { kind: 'Pod', name: 'checkout-7d9f8b6c5d-x2k9p', namespace: 'payments' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container app in pod checkout-7d9f8b6c5d-x2k9p_payments',
    type: 'Warning',
    count: 37,
    lastTimestamp: new Date('2026-11-26T02:14:00Z'),
  };
}
