import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { loadAgentConfig } from '../../../lib/config/agent-config.ts';
import { answerFor, loadMixinAlerts } from '../../../lib/config/mixin-alerts.ts';

const root = join(import.meta.dirname, '../../..');
const shipped = loadAgentConfig(join(root, 'config/agent_config.yaml'));
const stages = ['dev', 'staging', 'prod'].map(
  (stage) => [stage, loadAgentConfig(join(root, 'config/stages', stage, 'agent_config.yaml'))] as const,
);
const mixin = loadMixinAlerts();
const names = Object.values(mixin.groups).flat();

describe('the shipped configuration against the kubernetes-mixin alert list', () => {
  it('lists the groups kube-prometheus ships, each alert once', () => {
    expect(Object.keys(mixin.groups)).toEqual(
      expect.arrayContaining([
        'kubernetes-apps',
        'kubernetes-resources',
        'kubernetes-storage',
        'kubernetes-system',
        'kubernetes-system-kubelet',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(Object.entries(mixin.groups).flatMap(([group, alerts]) => alerts.map((alert) => [group, alert])))(
    '%s/%s has an explicit rule: a detector, or ignored with a reason',
    (_group, alertname) => {
      expect(answerFor(shipped, alertname)).toBeDefined();
    },
  );

  it.each(stages)('the %s stage configuration answers every one of them too', (_stage, config) => {
    expect(names.filter((alertname) => answerFor(config, alertname) === undefined)).toEqual([]);
  });

  it('answers nothing else but the heartbeat and inhibition helpers kube-prometheus adds', () => {
    const answered = [...shipped.rules.map((r) => r.alertname), ...shipped.ignore.map((i) => i.alertname)];

    expect(answered.filter((name) => !names.includes(name)).sort()).toEqual(['InfoInhibitor', 'Watchdog']);
  });

  it('finds a name without a rule', () => {
    expect(answerFor({ ...shipped, rules: [], ignore: [] }, 'KubePodCrashLooping')).toBeUndefined();
  });
});
