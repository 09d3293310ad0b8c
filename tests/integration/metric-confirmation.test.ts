import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';

import type { AgentConfig } from '../../lib/config/agent-config.ts';
import { detectors } from '../../lib/detect/registry.ts';
import { metricsSources } from '../../lib/models/consult.ts';
import { loadModelConfig } from '../../lib/models/model-config.ts';
import { handleAlert } from '../../lib/pipeline/detect.ts';
import type { PlanMessage } from '../../lib/pipeline/messages.ts';
import { prometheusFor } from '../../lib/prometheus/registry.ts';
import { createEnvParameterStore } from '../../lib/secrets/parameters.ts';
import { memoryStore, recordingQueue, silentLogger, testConfig } from '../helpers/support.ts';
import {
  applyShippedRbac,
  crashLoopAlertFor,
  createCrashLoopingDeployment,
  createNamespace,
  providerFor,
  recordBackOffEvent,
} from '../testenv/cluster.ts';
import { startPrometheus, type TestPrometheus } from '../testenv/prometheus.ts';

/**
 * The detector consults a real Prometheus before it plans a fix: two crash-looping pods on the
 * real control plane, one whose restarts the history shows sustained, one whose restarts were a
 * single blip. Only the first gets a plan.
 */
let prometheus: TestPrometheus;
let sustained: V1Pod;
let blip: V1Pod;
let config: AgentConfig;

beforeAll(async () => {
  await applyShippedRbac();
  const namespace = await createNamespace('metrics');
  const { pods } = await createCrashLoopingDeployment(namespace, 'checkout');
  [sustained, blip] = [pods[0]!, pods[1]!];
  await recordBackOffEvent(sustained);
  await recordBackOffEvent(blip);
  const now = Math.floor(Date.now() / 1000);
  const minutes = Array.from({ length: 181 }, (_, i) => now - (181 - i) * 60);
  const restarts = (pod: V1Pod, count: (minute: number) => number) => ({
    metric: 'kube_pod_container_status_restarts_total',
    labels: { namespace, pod: pod.metadata!.name!, container: 'app' },
    samples: minutes.map((t, i) => [t, count(i)] as const),
  });
  prometheus = await startPrometheus([
    // Restarting every minute for the last half hour.
    restarts(sustained, (i) => Math.max(0, i - 150)),
    // One restart, forty minutes ago.
    restarts(blip, (i) => (i > 140 ? 1 : 0)),
  ]);
  config = testConfig({
    prometheus: { url: prometheus.url },
    rules: [{ alertname: 'KubePodCrashLooping', detector: 'crash-loop', fixes: { 'crash-loop': 'rollout-restart' } }],
  });
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
});

async function detect(pod: V1Pod) {
  const plans = recordingQueue<PlanMessage>();
  const outcome = await handleAlert(
    {
      kind: 'alert',
      alert: crashLoopAlertFor(pod),
      receivedAt: new Date().toISOString(),
      receiver: 'r',
      groupKey: 'g',
    },
    {
      store: memoryStore(),
      config,
      detectors,
      kube: providerFor('detector'),
      plans,
      clock: () => new Date(),
      logger: silentLogger,
      leaseMs: 60_000,
      metricsFor: metricsSources(
        (cluster) => prometheusFor(config, cluster, { env: createEnvParameterStore({}) }),
        loadModelConfig(join(import.meta.dirname, '../../config/model_config.yaml')),
      ),
    },
  );
  return { outcome, plans: plans.sent };
}

describe('fixes confirmed against a real Prometheus', () => {
  it('plans the fix when the restarts are sustained', async () => {
    const { outcome, plans } = await detect(sustained);

    expect(outcome.stage).toBe('planned');
    expect(plans).toHaveLength(1);
    expect(outcome.diagnosis?.evidence).toEqual(
      expect.arrayContaining([
        { source: 'prometheus:container-restarts', message: expect.stringMatching(/^confirmed: container restarts/) },
      ]),
    );
  }, 60_000);

  it('plans nothing for a blip, and records why with the numbers', async () => {
    const { outcome, plans } = await detect(blip);

    expect(outcome.result).toBe('no-action');
    expect(outcome.reason).toMatch(
      /^not confirmed by the metrics, so no fix: container restarts in the last 10 minutes: nothing unusual/,
    );
    expect(plans).toEqual([]);
  }, 60_000);
});
