import { describe, expect, it } from '@jest/globals';

import { formatDiagnosis, formatHistory } from '../../../lib/cli/format.ts';
import type { Outcome, Suggestion } from '../../../lib/domain/types.ts';
import { alertFixture } from '../../helpers/fixtures.ts';
import { NODE_NAME, nodeNotReadyDiagnosis } from '../../helpers/remediate-fixtures.ts';

const suggestion: Suggestion = {
  action: 'drain-node',
  target: { kind: 'Node', name: NODE_NAME },
  params: 'cordonedBefore=false',
  reason: `node ${NODE_NAME} reports NotReady for 6m: move its 4 workload pods to healthy nodes`,
  rule: 'KubeNodeNotReady',
  anomaly: 'node-not-ready',
  enable: 'to enable: add `node-not-ready: drain-node` under rules[KubeNodeNotReady].fixes',
};

/** KubeNodeNotReady diagnosed only, as the shipped rules record it, with drain-node suggested. */
function nodeOutcome(overrides: Partial<Outcome> = {}): Outcome {
  const diagnosis = nodeNotReadyDiagnosis();
  return {
    id: 'fp@2026-11-26T02:14:05.123Z',
    alert: { ...alertFixture(), labels: { alertname: 'KubeNodeNotReady', node: NODE_NAME } },
    stage: 'done',
    result: 'no-action',
    reason: diagnosis.summary,
    diagnosis,
    suggestion,
    timings: { receivedAt: '2026-11-26T02:20:00.000Z' },
    attempts: 1,
    ...overrides,
  };
}

describe('kubemend history', () => {
  it('shows a suggested fix in the action column, beside a diagnosis-only result', () => {
    const [header, row] = formatHistory([nodeOutcome()]).split('\n');

    expect(header).toMatch(/RESULT\s+ACTION\s+REASON$/);
    expect(row).toMatch(
      new RegExp(`node//${NODE_NAME.replace(/\./g, '\\.')}\\s+no-action\\s+suggested: drain-node\\s+node `),
    );
  });

  it('shows no action for a diagnosis that comes with no suggestion', () => {
    const [, row] = formatHistory([nodeOutcome({ suggestion: undefined })]).split('\n');

    expect(row).toMatch(/no-action\s+-\s+node /);
  });
});

describe('kubemend diagnose', () => {
  it('prints the suggested fix and the line that enables it when the rule maps none', () => {
    const text = formatDiagnosis('KubeNodeNotReady', nodeNotReadyDiagnosis(), undefined, undefined, suggestion);

    expect(text.split('\n').slice(-3)).toEqual([
      '  plan: none',
      `  suggested: drain-node node/${NODE_NAME} (cordonedBefore=false) — not enabled for KubeNodeNotReady`,
      '  to enable: add `node-not-ready: drain-node` under rules[KubeNodeNotReady].fixes',
    ]);
  });
});
