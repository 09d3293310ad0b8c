import { describe, expect, it } from '@jest/globals';

import type { AuditReport } from '../../../lib/audit/findings-store.ts';
import type { Finding } from '../../../lib/audit/finding.ts';
import { formatAuditMarkdown, formatAuditTable } from '../../../lib/audit/format.ts';
import { sampleFinding } from '../../contracts/findings-store.contract.ts';

const SINCE = '2026-11-25T22:00:00.000Z';

const nodeFinding: Finding = {
  key: 'Node//ip-10-0-3-17.eu-west-1.compute.internal/node-not-ready',
  detector: 'node-health',
  kind: 'Node',
  name: 'ip-10-0-3-17.eu-west-1.compute.internal',
  anomaly: 'node-not-ready',
  summary: 'node ip-10-0-3-17.eu-west-1.compute.internal reports NotReady for 20 min: PLEG is not healthy',
  confidence: 0.8,
  evidence: [{ source: 'node.status', message: 'Ready=False (KubeletNotReady): PLEG is not healthy' }],
};

function report(overrides: Partial<AuditReport> = {}): AuditReport {
  return { cluster: 'prod', at: '2026-11-26T02:20:00.000Z', new: [], open: [], resolved: [], ...overrides };
}

describe('formatAuditTable', () => {
  it('prints a header with the counts, then one aligned row per finding: new, still open, resolved', () => {
    const table = formatAuditTable(
      report({
        new: [sampleFinding('x_1')],
        open: [{ ...nodeFinding, since: SINCE }],
        resolved: [{ ...sampleFinding('y'), since: SINCE }],
      }),
    );

    expect(table.split('\n')).toEqual([
      'audit of prod at 2026-11-26T02:20:00.000Z: 1 new, 1 still open, 1 resolved',
      'STATUS    OBJECT                                        ANOMALY         SUMMARY',
      'NEW       pod/ns/x_1                                    a               problem x_1',
      'OPEN      node/ip-10-0-3-17.eu-west-1.compute.internal  node-not-ready  node ip-10-0-3-17.eu-west-1.compute.internal reports NotReady for 20 min: PLEG is not healthy',
      'RESOLVED  pod/ns/y                                      a               problem y',
    ]);
  });

  it('says when an audit found no problems', () => {
    expect(formatAuditTable(report())).toBe(
      'audit of prod at 2026-11-26T02:20:00.000Z: 0 new, 0 still open, 0 resolved\nno problems found',
    );
  });
});

describe('formatAuditMarkdown', () => {
  it('writes one section per status with its count, and evidence as sub-bullets', () => {
    const markdown = formatAuditMarkdown(
      report({ new: [sampleFinding('x_1')], open: [{ ...nodeFinding, since: SINCE }] }),
    );

    expect(markdown.split('\n')).toEqual([
      '## kubemend audit of prod',
      '',
      '2026-11-26T02:20:00.000Z: 1 new, 1 still open, 0 resolved.',
      '',
      '### New (1)',
      '',
      '- **pod/ns/x_1** — `a`: problem x\\_1',
      '  - waiting',
      '',
      '### Still open (1)',
      '',
      '- **node/ip-10-0-3-17.eu-west-1.compute.internal** — `node-not-ready`: node ip-10-0-3-17.eu-west-1.compute.internal reports NotReady for 20 min: PLEG is not healthy',
      '  - Ready=False (KubeletNotReady): PLEG is not healthy',
      '',
    ]);
  });

  it('escapes Markdown in summaries and evidence, so a message cannot break the ticket', () => {
    const finding: Finding = {
      ...sampleFinding('cfg'),
      summary: 'container app cannot start: secret "db-*" not found in <payments> | `kubectl`',
      evidence: [{ source: 'pod.status', message: 'waiting: [CreateContainerConfigError] \\ retry' }],
    };

    const markdown = formatAuditMarkdown(report({ new: [finding] }));

    expect(markdown).toContain(
      '`a`: container app cannot start: secret "db-\\*" not found in \\<payments\\> \\| \\`kubectl\\`',
    );
    expect(markdown).toContain('  - waiting: \\[CreateContainerConfigError\\] \\\\ retry');
  });

  it('keeps the first five pieces of evidence of a finding', () => {
    const finding: Finding = {
      ...sampleFinding('many'),
      evidence: ['one', 'two', 'three', 'four', 'five', 'six'].map((message) => ({ source: 'event', message })),
    };

    const bullets = formatAuditMarkdown(report({ new: [finding] }))
      .split('\n')
      .filter((line) => line.startsWith('  - '));

    expect(bullets).toEqual(['  - one', '  - two', '  - three', '  - four', '  - five']);
  });
});
