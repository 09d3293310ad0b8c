import { describe, expect, it } from '@jest/globals';

import { parseAgentConfig } from '../../../lib/config/agent-config.ts';
import { cannotAnswer, checkUnits, suggest } from '../../../lib/config/units.ts';
import { crashLoop } from '../../../lib/detect/crash-loop.ts';
import { jobHealth } from '../../../lib/detect/job-health.ts';
import { expandPvc } from '../../../lib/remediate/expand-pvc.ts';
import { raiseMemory } from '../../../lib/remediate/raise-memory.ts';
import { rolloutUndo } from '../../../lib/remediate/rollout-undo.ts';
import { scale } from '../../../lib/remediate/scale.ts';

/** The problems a config's rules have, as `kubemend config validate` prints them. */
function problemsOf(rules: unknown[]): string[] {
  try {
    parseAgentConfig({ rules }, 'test');
    return [];
  } catch (error) {
    return (error as Error).message.replace(/^test: /, '').split('; ');
  }
}

describe('checking a config against the units this build knows', () => {
  it('accepts every mapping of the shipped fixes to the anomalies their detectors report', () => {
    expect(
      problemsOf([
        {
          alertname: 'KubePodCrashLooping',
          detector: 'crash-loop',
          fixes: { 'oom-killed': 'raise-memory', 'crash-loop': ['rollout-restart', 'delete-pod'] },
        },
        { alertname: 'KubeDeploymentRolloutStuck', detector: 'deployment-health', fixes: { '*': 'rollout-undo' } },
        { alertname: 'KubeJobFailed', detector: 'job-health', fixes: { '*': 'retry-job' } },
        { alertname: 'KubeNodeNotReady', detector: 'node-health', fixes: { 'node-not-ready': 'drain-node' } },
      ]),
    ).toEqual([]);
  });

  it('names an anomaly the detector never reports, with the closest one', () => {
    expect(problemsOf([{ alertname: 'A', detector: 'crash-loop', fixes: { 'oom-kiled': 'raise-memory' } }])).toEqual([
      expect.stringMatching(
        /^rules\[0\]\.fixes\.oom-kiled: detector crash-loop never reports anomaly "oom-kiled" \(did you mean "oom-killed"\?\)/,
      ),
    ]);
  });

  it('names an unknown fix at its place in the list, with the closest one', () => {
    expect(
      problemsOf([
        { alertname: 'A', detector: 'crash-loop', fixes: { 'crash-loop': ['rollout-restart', 'delete-pd'] } },
      ]),
    ).toEqual(['rules[0].fixes.crash-loop[1]: unknown fix "delete-pd" (did you mean "delete-pod"?)']);
  });

  it('refuses a fix mapped to an anomaly it does not answer', () => {
    expect(problemsOf([{ alertname: 'A', detector: 'crash-loop', fixes: { 'crash-loop': 'expand-pvc' } }])).toEqual([
      'rules[0].fixes.crash-loop: expand-pvc answers only volume-filling, inodes-filling',
    ]);
  });

  it('refuses a fix whose facts the detector does not report with that anomaly', () => {
    expect(problemsOf([{ alertname: 'A', detector: 'crash-loop', fixes: { 'bad-rollout': 'rollout-undo' } }])).toEqual([
      'rules[0].fixes.bad-rollout: rollout-undo needs the rollout facts, which crash-loop does not report with bad-rollout (it reports: pod, container, workload)',
    ]);
  });

  it('refuses a fix mapped to an anomaly that says nothing is wrong now, and allows an empty list there', () => {
    expect(
      problemsOf([
        { alertname: 'A', detector: 'crash-loop', fixes: { recovered: 'delete-pod', 'pod-gone': [] } },
        { alertname: 'B', detector: 'node-health', fixes: { recovered: 'cordon-node' } },
      ]),
    ).toEqual([
      'rules[0].fixes.recovered: recovered says nothing is wrong now, so no fix answers it',
      'rules[1].fixes.recovered: recovered says nothing is wrong now, so no fix answers it',
    ]);
  });

  it("refuses '*' for a fix that can answer none of the detector's anomalies", () => {
    expect(problemsOf([{ alertname: 'A', detector: 'job-health', fixes: { '*': 'raise-hpa-max' } }])).toEqual([
      'rules[0].fixes.*: raise-hpa-max can answer none of the anomalies job-health reports',
    ]);
  });

  it('names an unknown detector with the closest one, and an unknown approval action', () => {
    const config = parseAgentConfig({});
    const units = { detectors: [crashLoop, jobHealth], remediators: [raiseMemory, rolloutUndo] };

    expect(
      checkUnits(
        {
          ...config,
          rules: [{ alertname: 'A', detector: 'crashloop', fixes: {} }],
          approval: { ...config.approval, actions: ['rollout-undo', 'retry-jobs'] },
        },
        units,
      ),
    ).toEqual([
      'rules[0].detector: unknown detector "crashloop" (did you mean "crash-loop"?)',
      'approval.actions[1]: unknown fix "retry-jobs" (known: raise-memory, rollout-undo)',
    ]);
  });

  it('says why a fix cannot answer an anomaly, or nothing when it can', () => {
    expect(cannotAnswer(raiseMemory, crashLoop, 'oom-killed')).toBeUndefined();
    expect(cannotAnswer(scale, crashLoop, 'crash-loop')).toBe(
      'scale is run by hand only (kubemend run), never for an anomaly',
    );
    expect(cannotAnswer(expandPvc, crashLoop, 'crash-loop')).toBe(
      'expand-pvc answers only volume-filling, inodes-filling',
    );
  });

  it('suggests the closest name only when it is close', () => {
    expect(suggest('rollout-restat', ['rollout-restart', 'rollout-undo'])).toBe(' (did you mean "rollout-restart"?)');
    expect(suggest('reboot', ['rollout-restart', 'rollout-undo'])).toBe(' (known: rollout-restart, rollout-undo)');
  });
});
