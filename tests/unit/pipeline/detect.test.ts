import { describe, expect, it } from '@jest/globals';

import { alertId } from '../../../lib/alert/identity.ts';
import { AlreadyClaimedError, ClusterUnknownError, ClusterUnreachableError } from '../../../lib/errors.ts';
import { detectors } from '../../../lib/detect/registry.ts';
import { notificationKind } from '../../../lib/notify/notifier.ts';
import { handleAlert } from '../../../lib/pipeline/detect.ts';
import { PrometheusUnreachableError } from '../../../lib/errors.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, crashingPod, deployment, replicaSet } from '../../helpers/fixtures.ts';
import { silentLogger, testConfig } from '../../helpers/support.ts';

import { crashLoopAlert, harness, history, LEASE, message, models } from '../../helpers/pipeline-harness.ts';

describe('detector stage', () => {
  it('records an alert no rule handles as no action, without touching the cluster', async () => {
    const { run, kube } = harness();

    const outcome = await run(alertFixture('unknown-alert.json'));

    expect(outcome).toMatchObject({
      stage: 'done',
      result: 'no-action',
      reason: 'no rule handles alert HighErrorRate',
    });
    expect(kube.writes).toEqual([]);
  });

  it('records an ignored alert such as Watchdog as no action with the reason', async () => {
    const { run } = harness();
    const watchdog = {
      ...crashLoopAlert,
      fingerprint: '0000000000000001',
      labels: { alertname: 'Watchdog', severity: 'none' },
    };

    expect(await run(watchdog)).toMatchObject({ result: 'no-action', reason: 'Watchdog is ignored: heartbeat' });
  });

  it('records an unreachable cluster as such', async () => {
    const { run, kube } = harness();
    kube.failWith = new ClusterUnreachableError(
      'get pod payments/checkout-7d9f8b6c5d-x2k9p: cannot reach https://10.0.0.1 (ECONNREFUSED)',
    );

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'cluster-unreachable', error: { code: 'cluster_unreachable' } });
  });

  it('records an alert for a cluster the registry does not know as such', async () => {
    const { run, kube } = harness();
    kube.failWith = new ClusterUnknownError('cluster "prod-eu-west-1" is not in the registry (known: staging)');

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'unknown-cluster', error: { code: 'cluster_unknown' } });
    expect(kube.writes).toEqual([]);
  });

  it('diagnoses an anomaly the rule maps no fix to, and plans nothing', async () => {
    const { run, kube, plans } = harness('enforce');
    kube.add(crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }));

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'no-action', diagnosis: { anomaly: 'oom-killed' } });
    expect(outcome.reason).toMatch(/^container app is killed for exceeding its memory limit \(256Mi\)/);
    expect(outcome.plan).toBeUndefined();
    expect(plans.sent).toEqual([]);
    expect(kube.writes).toEqual([]);
  });

  it('records the fix that would answer an unmapped anomaly as a suggestion, and tells people of it as one', async () => {
    const { run, kube, plans, store, notified } = harness('enforce');
    kube.add(crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }));

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({
      result: 'no-action',
      suggestion: {
        action: 'raise-memory',
        target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
        rule: 'KubePodCrashLooping',
        anomaly: 'oom-killed',
        enable: 'to enable: add `oom-killed: raise-memory` under rules[KubePodCrashLooping].fixes',
      },
    });
    expect((await store.get(outcome.id))?.suggestion).toEqual(outcome.suggestion);
    expect(notified.map((n) => notificationKind(n))).toEqual(['suggested']);
    expect(plans.sent).toEqual([]);
    expect(kube.writes).toEqual([]);
  });

  it('suggests no fix for a blip the metrics did not confirm', async () => {
    const { run, kube, metricsHistory, notified } = harness('enforce');
    kube.add(crashingPod({ lastReason: 'OOMKilled', exitCode: 137 }));
    metricsHistory.samples = history((m) => (m === 179 ? 3 : 0.5));

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'no-action', diagnosis: { anomaly: 'oom-killed' } });
    expect(outcome.suggestion).toBeUndefined();
    expect(notified).toEqual([]);
  });

  it("fixes nothing for a pod that is healthy again, even when the rule's '*' maps every anomaly", async () => {
    const { run, kube, plans } = harness('enforce', { fixes: { '*': ['rollout-restart', 'delete-pod'] } });
    kube.add(crashingPod({ running: true }));

    const outcome = await run(crashLoopAlert);

    expect(outcome).toMatchObject({
      result: 'no-action',
      reason: 'container app is running and ready again after 14 restarts',
      diagnosis: { anomaly: 'recovered' },
    });
    expect(plans.sent).toEqual([]);
    expect(kube.writes).toEqual([]);
  });

  it('fixes an alert instance once, however often Alertmanager repeats it', async () => {
    const { run, kube, plans, clock } = harness('enforce');

    await run(crashLoopAlert);
    clock.advance(4 * 3_600_000);
    const repeat = await run(crashLoopAlert);

    expect(repeat.result).toBe('applied');
    expect(plans.sent).toHaveLength(1);
    expect(kube.writes).toHaveLength(1);
  });

  it('asks for a retry while another worker holds the instance', async () => {
    const { detect, store, clock } = harness();
    await store.claim({
      id: alertId(crashLoopAlert),
      alert: crashLoopAlert,
      cluster: undefined,
      now: clock.now(),
      leaseMs: LEASE,
    });

    await expect(detect(crashLoopAlert)).rejects.toBeInstanceOf(AlreadyClaimedError);
  });

  it('re-sends the plan when a repeat notification finds a remediation never picked up', async () => {
    const { detect, plans, clock } = harness();
    await detect(crashLoopAlert);
    clock.advance(1_000);

    const again = await detect(crashLoopAlert);

    expect(again.stage).toBe('planned');
    expect(plans.sent.map((sent) => sent.id)).toEqual([alertId(crashLoopAlert), alertId(crashLoopAlert)]);
  });

  it('records a resolved alert it never saw firing', async () => {
    const { detect } = harness();

    expect(await detect(alertFixture('resolved.json'))).toMatchObject({ stage: 'done', result: 'resolved' });
  });

  it('plans no fix when the metrics history shows a blip, and says so with the numbers', async () => {
    const { detect, plans, metricsHistory, kube } = harness('enforce');
    metricsHistory.samples = history((m) => (m === 179 ? 3 : 0.5));

    const outcome = await detect(crashLoopAlert);

    expect(outcome).toMatchObject({ result: 'no-action' });
    expect(outcome.reason).toMatch(
      /^not confirmed by the metrics, so no fix: .*a blip — above 1 for 1 of the last \d+ points/,
    );
    expect(outcome.diagnosis?.evidence.map((e) => e.source)).toEqual(
      expect.arrayContaining(['prometheus:memory-vs-limit', 'prometheus:container-restarts']),
    );
    expect(plans.sent).toEqual([]);
    expect(kube.writes).toEqual([]);
  });

  it('hands the fix on when the metrics confirm it, with their numbers in the evidence', async () => {
    const { detect, plans, metricsHistory } = harness('enforce');
    metricsHistory.samples = history(() => 3);

    const outcome = await detect(crashLoopAlert);

    expect(outcome.stage).toBe('planned');
    expect(plans.sent).toHaveLength(1);
    expect(outcome.diagnosis?.evidence).toEqual(
      expect.arrayContaining([
        { source: 'prometheus:container-restarts', message: expect.stringMatching(/^confirmed: container restarts/) },
      ]),
    );
  });

  it('keeps the diagnosis when the metrics cannot be read, and notes it', async () => {
    const { plans, store, clock } = harness('enforce');
    const outcome = await handleAlert(message(crashLoopAlert), {
      store,
      config: testConfig(),
      detectors,
      plans,
      kube: new FakeKube().add(crashingPod(), replicaSet(), deployment()).provider(),
      clock: clock.now,
      logger: silentLogger,
      leaseMs: LEASE,
      metricsFor: () => ({
        models,
        client: {
          instant: async () => [],
          range: async () =>
            Promise.reject(new PrometheusUnreachableError('cannot reach Prometheus at http://prom:9090: ECONNREFUSED')),
        },
      }),
    });

    expect(outcome.stage).toBe('planned');
    expect(outcome.diagnosis?.evidence).toEqual(
      expect.arrayContaining([
        {
          source: 'prometheus',
          message: 'metrics unavailable: cannot reach Prometheus at http://prom:9090: ECONNREFUSED',
        },
      ]),
    );
  });
});
