import { describe, expect, it } from '@jest/globals';
import type { V1CronJob } from '@kubernetes/client-node';

import { checkCronJob, cronJobConfig } from '../../../../lib/audit/checks/cronjob-config.ts';
import { FakeKube } from '../../../helpers/fake-kube.ts';
import { createListing } from '../../../../lib/kube/listing.ts';

const now = new Date('2026-11-26T02:20:00Z');

/** CronJob reporting/nightly-report (03:00 every day), as the API server returns it, with `spec` changes. */
function nightlyReport(spec: Partial<V1CronJob['spec']> = {}): V1CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly-report', namespace: 'reporting', uid: '1f2e3d4c-5b6a-4978-8d9e-0f1a2b3c4d5e' },
    spec: {
      schedule: '0 3 * * *',
      concurrencyPolicy: 'Forbid',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'registry.example/reports:2.3.1' }] },
          },
        },
      },
      ...spec,
    },
    status: { lastScheduleTime: new Date('2026-11-26T01:35:00Z') },
  };
}

describe('checkCronJob', () => {
  it('finds nothing wrong with a CronJob that runs on a valid schedule', () => {
    expect(checkCronJob(nightlyReport())).toEqual([]);
  });

  it('reports a suspended CronJob, with spec.suspend as evidence', () => {
    expect(checkCronJob(nightlyReport({ suspend: true }))).toEqual([
      {
        key: 'CronJob/reporting/nightly-report/cronjob-suspended',
        detector: 'audit',
        kind: 'CronJob',
        namespace: 'reporting',
        name: 'nightly-report',
        anomaly: 'cronjob-suspended',
        summary: 'cronjob nightly-report is suspended: no new jobs are created',
        confidence: 0.8,
        evidence: [{ source: 'cronjob', message: 'spec.suspend: true' }],
      },
    ]);
  });

  it('reports an invalid schedule with what is wrong with it', () => {
    const [finding] = checkCronJob(nightlyReport({ schedule: '0 3 * *' }));

    expect(finding).toMatchObject({
      anomaly: 'cronjob-invalid-schedule',
      summary: 'cronjob nightly-report has an invalid schedule "0 3 * *": expected 5 fields, got 4',
      evidence: [{ source: 'cronjob', message: 'spec.schedule: 0 3 * *' }],
    });
  });

  it('reports a negative starting deadline, and every other problem of the same CronJob', () => {
    const findings = checkCronJob(nightlyReport({ suspend: true, startingDeadlineSeconds: -1 }));

    expect(findings.map((finding) => [finding.anomaly, finding.summary])).toEqual([
      ['cronjob-suspended', 'cronjob nightly-report is suspended: no new jobs are created'],
      [
        'cronjob-negative-deadline',
        'cronjob nightly-report has a negative startingDeadlineSeconds (-1): no job can start',
      ],
    ]);
  });

  it('accepts a starting deadline of zero or more', () => {
    expect(checkCronJob(nightlyReport({ startingDeadlineSeconds: 0 }))).toEqual([]);
  });
});

describe('cronJobConfig check', () => {
  it('checks every listed CronJob', async () => {
    const other = nightlyReport({ schedule: '@weekly', suspend: true });
    other.metadata!.name = 'weekly-cleanup';

    const findings = await cronJobConfig.check(createListing({ CronJob: [nightlyReport(), other] }), {
      kube: new FakeKube(),
      now,
    });

    expect(findings.map((finding) => finding.key)).toEqual(['CronJob/reporting/weekly-cleanup/cronjob-suspended']);
  });
});
