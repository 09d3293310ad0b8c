import { describe, expect, it } from '@jest/globals';

import { checkJob, jobSuspended } from '../../../../lib/audit/checks/job-suspended.ts';
import { createListing } from '../../../../lib/kube/listing.ts';
import { FakeKube } from '../../../helpers/fake-kube.ts';
import { nightlyJob } from '../../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');

function suspended() {
  const job = nightlyJob('running');
  job.spec!.suspend = true;
  job.status = { ...job.status, active: 0 };
  return job;
}

describe('checkJob', () => {
  it('reports a suspended Job, which runs no pods until resumed', () => {
    expect(checkJob(suspended())).toEqual([
      {
        key: 'Job/reporting/nightly-report-29384756/job-suspended',
        detector: 'audit',
        kind: 'Job',
        namespace: 'reporting',
        name: 'nightly-report-29384756',
        anomaly: 'job-suspended',
        summary: 'job nightly-report-29384756 is suspended: it runs no pods until resumed',
        confidence: 0.8,
        evidence: [{ source: 'job', message: 'spec.suspend: true' }],
      },
    ]);
  });

  it('finds nothing wrong with a Job that is not suspended, running or failed', () => {
    expect([...checkJob(nightlyJob('running')), ...checkJob(nightlyJob('backoff-limit'))]).toEqual([]);
  });
});

describe('jobSuspended check', () => {
  it('checks every listed Job', async () => {
    const findings = await jobSuspended.check(createListing({ Job: [nightlyJob('running'), suspended()] }), {
      kube: new FakeKube(),
      now,
    });

    expect(findings.map((finding) => finding.anomaly)).toEqual(['job-suspended']);
  });
});
