import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { createApp, type Ports } from '../../../lib/app/app.ts';
import type { Outcome } from '../../../lib/domain/types.ts';
import { UnauthorizedError } from '../../../lib/errors.ts';
import { configKillSwitch } from '../../../lib/guardrails/kill-switch.ts';
import { createSqliteTargetGuard } from '../../../lib/guardrails/target-guard.ts';
import type { AlertMessage, PlanMessage } from '../../../lib/pipeline/messages.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import {
  alertFixture,
  backOffEvent,
  crashingPod,
  deployment,
  readFixture,
  replicaSet,
} from '../../helpers/fixtures.ts';
import { manualClock, memoryStore, recordingQueue, silentLogger, testConfig } from '../../helpers/support.ts';

const SECRET = 'a-webhook-secret-of-some-length';

/** The application over in-memory adapters, counting which ports were built. */
function testApp(overrides: Partial<Ports> = {}) {
  const kube = new FakeKube().add(crashingPod(), replicaSet(), deployment());
  kube.events = [backOffEvent()];
  const clock = manualClock();
  const built: string[] = [];
  const track =
    <T>(name: string, make: () => T) =>
    () => {
      built.push(name);
      return make();
    };
  const store = memoryStore();
  const alerts = recordingQueue<AlertMessage>();
  const plans = recordingQueue<PlanMessage>();
  const notified: Outcome[] = [];
  const app = createApp({
    config: () =>
      testConfig({
        rules: [
          {
            alertname: 'KubePodCrashLooping',
            detector: 'crash-loop',
            mode: 'enforce',
            fixes: { 'crash-loop': 'rollout-restart' },
            namespaces: { allow: ['payments'] },
          },
        ],
      }),
    logger: silentLogger,
    clock: clock.now,
    leaseMs: 60_000,
    store: track('store', () => store),
    alerts: track('alerts', () => alerts),
    plans: track('plans', () => plans),
    detectorKube: () => kube.provider(),
    remediatorKube: () => kube.provider(),
    killSwitch: () => configKillSwitch(false),
    targetGuard: track('targetGuard', () => createSqliteTargetGuard(new DatabaseSync(':memory:'))),
    notifier: () => ({ notify: async (outcome: Outcome) => void notified.push(outcome) }),
    webhookSecret: async () => SECRET,
    sleep: async (ms) => {
      clock.advance(ms);
      kube.completeRollout('payments', 'checkout');
    },
    ...overrides,
  });
  return { app, kube, store, alerts, plans, built, notified };
}

describe('the application', () => {
  it('receives a webhook with the credential, queues each alert, and builds nothing else', async () => {
    const { app, alerts, built } = testApp();

    const summary = await app.receive({
      body: readFixture('alerts/crashlooping-single.json'),
      headers: { authorization: `Bearer ${SECRET}` },
    });

    expect(summary).toMatchObject({ accepted: 1, firing: 1 });
    expect(alerts.sent.map((message) => message.alert.labels.alertname)).toEqual(['KubePodCrashLooping']);
    expect(built).toEqual(['alerts']);
  });

  it('refuses a webhook without the credential before reading it', async () => {
    const { app, alerts } = testApp();

    await expect(app.receive({ body: '{not json', headers: {} })).rejects.toBeInstanceOf(UnauthorizedError);
    expect(alerts.sent).toEqual([]);
  });

  it('takes an alert through detection and remediation to a verified fix, telling people', async () => {
    const { app, plans, kube, notified } = testApp();

    const planned = await app.detect({
      kind: 'alert',
      alert: alertFixture(),
      receivedAt: '2026-11-26T02:20:00.000Z',
      receiver: 'kubemend',
      groupKey: 'g',
    });
    const outcome = await app.remediate(plans.sent[0]!);

    expect(planned).toMatchObject({ stage: 'planned', plan: { action: 'rollout-restart' } });
    expect(outcome).toMatchObject({ result: 'applied', verification: { status: 'verified' } });
    expect(kube.writes.filter((write) => !write.dryRun)).toHaveLength(1);
    expect(notified.map((n) => n.result)).toEqual(['applied']);
  });

  it('runs a fix asked for by hand through the guardrails, with who asked', async () => {
    const { app } = testApp({ killSwitch: () => configKillSwitch(true) });

    const outcome = await app.runManual({
      plan: {
        action: 'rollout-restart',
        target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
        params: { restartedAt: '2026-11-26T02:20:00.000Z' },
        reason: 'by hand',
      },
      by: 'sre@example.com',
      mode: 'enforce',
    });

    expect(outcome).toMatchObject({ result: 'refused', trigger: { kind: 'manual', by: 'sre@example.com' } });
    expect(outcome.reason).toMatch(/^the kill switch is on/);
  });

  it('diagnoses and plans without a store: `kubemend diagnose` builds no store, queue or write identity', async () => {
    const kube = new FakeKube().add(crashingPod(), replicaSet(), deployment());
    const app = createApp({
      config: () => testConfig(),
      logger: silentLogger,
      leaseMs: 0,
      detectorKube: () => kube.provider(),
    });

    const detection = await app.diagnose(alertFixture());

    expect(detection).toMatchObject({ diagnosis: { anomaly: 'crash-loop' }, plan: { action: 'rollout-restart' } });
    await expect(app.runManual({ plan: detection.plan!, by: 'x', mode: 'enforce' })).rejects.toThrow(
      'this deployment has no store port: it cannot run this flow',
    );
  });

  it('builds each port once, however many flows use it', async () => {
    const { app, plans, built } = testApp();
    const message = (fingerprint: string): AlertMessage => ({
      kind: 'alert',
      alert: { ...alertFixture(), fingerprint },
      receivedAt: '2026-11-26T02:20:00.000Z',
      receiver: 'kubemend',
      groupKey: 'g',
    });

    await app.detect(message('aaaa000000000001'));
    await app.detect(message('aaaa000000000002'));
    await app.remediate(plans.sent[0]!);
    await app.remediate(plans.sent[1]!);

    expect(built.sort()).toEqual(['plans', 'store', 'targetGuard']);
  });

  it('builds a port that needs the config once when two events arrive together on a cold start', async () => {
    let providers = 0;
    const kube = new FakeKube().add(crashingPod(), replicaSet(), deployment());
    const { app } = testApp({
      config: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return testConfig({ rules: [{ alertname: 'KubePodCrashLooping', detector: 'crash-loop' }] });
      },
      detectorKube: () => {
        providers += 1;
        return kube.provider();
      },
    });
    const alert = (fingerprint: string) => ({ ...alertFixture(), fingerprint });

    await Promise.all([app.diagnose(alert('aaaa000000000001')), app.diagnose(alert('aaaa000000000002'))]);

    expect(providers).toBe(1);
  });
});
