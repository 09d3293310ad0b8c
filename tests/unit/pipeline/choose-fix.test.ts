import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { findRule, loadAgentConfig } from '../../../lib/config/agent-config.ts';
import { crashLoop, type CrashLoopSnapshot } from '../../../lib/detect/crash-loop.ts';
import { chooseFix } from '../../../lib/pipeline/choose-fix.ts';
import { remediators } from '../../../lib/remediate/registry.ts';
import { backOffEvent, crashingPod, deployment, replicaSet } from '../../helpers/fixtures.ts';
import { NODE_NAME, NODE_UID, nodeFacts, nodeNotReadyDiagnosis } from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const shipped = loadAgentConfig(join(import.meta.dirname, '../../../config/agent_config.yaml'));
const rule = findRule(shipped, 'KubePodCrashLooping')!;

/** The crash-loop detector's diagnosis of the checkout pod, as `overrides` change what it read. */
function crashDiagnosis(overrides: Partial<CrashLoopSnapshot> = {}) {
  const snapshot: CrashLoopSnapshot = {
    namespace: 'payments',
    podName: 'checkout-7d9f8b6c5d-x2k9p',
    pod: crashingPod(),
    replicaSet: replicaSet(),
    deployment: deployment(),
    events: [backOffEvent()],
    ...overrides,
  };
  return crashLoop.diagnose(snapshot, now);
}

/** What the shipped configuration plans for that diagnosis. */
function shippedChoice(overrides: Partial<CrashLoopSnapshot>) {
  const diagnosis = crashDiagnosis(overrides);
  return { anomaly: diagnosis.anomaly, ...chooseFix(diagnosis, rule, shipped, remediators, now) };
}

describe('the shipped crash-loop fixes: what configuration chooses for each crash', () => {
  it('restarts a fully rolled-out Deployment, from the revision it was diagnosed at', () => {
    expect(shippedChoice({})).toMatchObject({
      anomaly: 'crash-loop',
      plan: {
        action: 'rollout-restart',
        target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
        params: { restartedAt: '2026-11-26T02:20:00.000Z', resourceVersion: '884213', revision: '3' },
      },
    });
  });

  it('raises the memory of the Deployment of an OOM-killed container', () => {
    expect(shippedChoice({ pod: crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }) })).toMatchObject({
      anomaly: 'oom-killed',
      plan: { action: 'raise-memory', params: { container: 'app', fromLimit: '256Mi', fromRequest: '128Mi' } },
    });
  });

  it('deletes exactly the diagnosed pod when a StatefulSet owns it (no Deployment to restart)', () => {
    const pod = crashingPod({ owner: { kind: 'StatefulSet', name: 'ledger' } });

    expect(shippedChoice({ pod, replicaSet: null, deployment: null })).toMatchObject({
      anomaly: 'crash-loop',
      plan: { action: 'delete-pod', params: { uid: 'a3f5c7e9-2b4d-4f6a-8c0e-1d3f5a7b9c2e' } },
    });
  });

  it('never deletes a pod that has no controller', () => {
    const choice = shippedChoice({ pod: crashingPod({ owner: null }), replicaSet: null, deployment: null });

    expect(choice.plan).toBeUndefined();
    expect(choice).toMatchObject({ why: expect.stringContaining('delete-pod: the pod has no controller') });
  });

  it('plans nothing for a paused Deployment, and does not fall back to deleting its pod', () => {
    const choice = shippedChoice({ deployment: deployment({ paused: true }) });

    expect(choice.plan).toBeUndefined();
    expect(choice).toMatchObject({
      why: 'rollout-restart: the Deployment is paused; a restart would not roll out until it is resumed',
    });
  });

  it('plans nothing while the crashing revision still rolls out (a restart would not help)', () => {
    const choice = shippedChoice({ deployment: deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 }) });

    expect(choice).toEqual({ anomaly: 'bad-rollout', plan: undefined, why: undefined });
  });

  it('plans nothing for a container that is running and ready again, or a pod that is gone', () => {
    expect(shippedChoice({ pod: crashingPod({ running: true }) })).toEqual({
      anomaly: 'recovered',
      plan: undefined,
      why: undefined,
    });
    expect(shippedChoice({ pod: null })).toEqual({ anomaly: 'pod-gone', plan: undefined, why: undefined });
  });
});

describe('a fix that throws while planning', () => {
  it('is recorded as the reason, and the next fix in the list does not stand in for it', () => {
    const broken = remediators.map((fix) =>
      fix.action === 'rollout-restart'
        ? {
            ...fix,
            plan: () => {
              throw new Error('cannot read the revision');
            },
          }
        : fix,
    );
    const diagnosis = crashDiagnosis();

    expect(diagnosis.anomaly).toBe('crash-loop');
    expect(chooseFix(diagnosis, rule, shipped, broken, now)).toEqual({
      plan: undefined,
      why: 'rollout-restart could not plan: cannot read the revision',
    });
  });
});

describe('a rule that maps no fix to the anomaly: nothing planned, the fix that would answer it suggested', () => {
  const nodeRule = findRule(shipped, 'KubeNodeNotReady')!;

  it('suggests drain-node for a node that is not ready, with its params and the line that enables it', () => {
    const choice = chooseFix(nodeNotReadyDiagnosis(), nodeRule, shipped, remediators, now);

    expect(choice).toEqual({
      plan: undefined,
      why: undefined,
      suggestion: {
        action: 'drain-node',
        target: { kind: 'Node', name: NODE_NAME, uid: NODE_UID },
        params: 'cordonedBefore=false',
        reason: expect.stringMatching(/: move its \d+ workload pods to healthy nodes$/),
        rule: 'KubeNodeNotReady',
        anomaly: 'node-not-ready',
        enable: 'to enable: add `node-not-ready: drain-node` under rules[KubeNodeNotReady].fixes',
      },
    });
  });

  it('suggests the same for a rule that maps the anomaly to an empty list', () => {
    const empty = { ...nodeRule, fixes: { 'node-not-ready': [] } };

    expect(chooseFix(nodeNotReadyDiagnosis(), empty, shipped, remediators, now)).toMatchObject({
      plan: undefined,
      suggestion: { action: 'drain-node' },
    });
  });

  it('suggests nothing when the fix that answers the anomaly would not plan (a Ready node without pressure)', () => {
    const ready = nodeNotReadyDiagnosis({ node: nodeFacts({ ready: 'True', pressures: [] }) });

    expect(chooseFix(ready, nodeRule, shipped, remediators, now)).toEqual({ plan: undefined, why: undefined });
  });

  it('never suggests a fix that answers whatever it is mapped to (no restart for a bad rollout)', () => {
    const choice = shippedChoice({ deployment: deployment({ progressing: 'ReplicaSetUpdated', updatedReplicas: 1 }) });

    expect(choice).toEqual({ anomaly: 'bad-rollout', plan: undefined, why: undefined });
  });

  it('suggests the fix that names the anomaly in its answers (raise-memory for an OOM kill) when the rule maps only others', () => {
    const crashOnly = { ...rule, fixes: { 'crash-loop': ['rollout-restart'] } };
    const diagnosis = crashDiagnosis({ pod: crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }) });

    expect(chooseFix(diagnosis, crashOnly, shipped, remediators, now)).toMatchObject({
      plan: undefined,
      suggestion: {
        action: 'raise-memory',
        target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
        params: expect.stringContaining('container=app'),
        enable: 'to enable: add `oom-killed: raise-memory` under rules[KubePodCrashLooping].fixes',
      },
    });
  });

  it('passes over a fix that throws while planning a suggestion', () => {
    const broken = remediators.map((fix) =>
      fix.action === 'drain-node'
        ? {
            ...fix,
            plan: () => {
              throw new Error('cannot read the node');
            },
          }
        : fix,
    );

    expect(chooseFix(nodeNotReadyDiagnosis(), nodeRule, shipped, broken, now)).toEqual({
      plan: undefined,
      why: undefined,
    });
  });
});
