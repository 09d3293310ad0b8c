import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { age, formatDiagnosis, formatHistory, terminalSafe } from '../../../lib/cli/format.ts';
import { createSqliteOutcomeStore, openLocalDatabase } from '../../../lib/store/sqlite-outcome-store.ts';
import { runCli } from '../../helpers/cli.ts';
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
  it('lists each record by its ID and age first, as kubectl lists objects', () => {
    const [header, row] = formatHistory([nodeOutcome()], new Date('2026-11-26T05:20:00.000Z')).split('\n');

    expect(header).toMatch(/^ID\s+AGE\s+ALERT\s+TARGET\s+RESULT\s+ACTION\s+REASON$/);
    expect(row).toMatch(/^fp@2026-11-26T02:14:05\.123Z\s+3h\s+KubeNodeNotReady\s/);
    expect(
      ['2026-11-26T05:19:15Z', '2026-11-26T05:08:00Z', '2026-11-25T05:20:00Z', '2026-11-20T05:20:00Z'].map((at) =>
        age(at, new Date('2026-11-26T05:20:00.000Z')),
      ),
    ).toEqual(['45s', '12m', '24h', '6d']);
  });

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

describe('terminal-safe output', () => {
  it('writes control characters and bidirectional overrides as escapes, and keeps newlines and tabs', () => {
    expect(terminalSafe('a\u001b[2Jb\rc\u0008d\u009be\u202ef\u2066g\nh\ti\u2028j')).toBe(
      'a\\u001b[2Jb\\u000dc\\u0008d\\u009be\\u202ef\\u2066g\nh\ti\\u2028j',
    );
  });

  it('leaves JSON valid and its data unchanged, whatever the strings', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), (labels) => {
        const safe = terminalSafe(JSON.stringify(labels));
        // eslint-disable-next-line no-control-regex -- looking for control characters
        expect(safe).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        expect(JSON.parse(safe)).toEqual(JSON.parse(JSON.stringify(labels)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps an alert label from moving the cursor or reordering the line in `kubemend history`', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-escape-'));
    try {
      const db = openLocalDatabase(dataDir);
      const store = createSqliteOutcomeStore(db);
      const alert = {
        ...alertFixture(),
        labels: { alertname: 'Evil\u001b[2J\u202eKubePodCrashLooping\r', namespace: 'x' },
      };
      const claim = await store.claim({
        id: 'evil@2026-11-26T02:14:05Z',
        alert,
        cluster: undefined,
        now: new Date(),
        leaseMs: 60_000,
      });
      await store.save(
        { ...claim.outcome, stage: 'done', result: 'no-action', reason: 'line one\u001b]0;title\u0007' },
        null,
      );
      await store.close();

      // kubectl's -o as well as --output.
      for (const output of [
        ['--output', 'table'],
        ['-o', 'json'],
      ]) {
        const { out } = await runCli(['history', '--data-dir', dataDir, ...output], process.cwd());
        expect(out).toContain('Evil\\u001b[2J\\u202eKubePodCrashLooping');
        // eslint-disable-next-line no-control-regex -- looking for control characters
        expect(out).not.toMatch(/[\u001b\r\u0007\u202e]/);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
