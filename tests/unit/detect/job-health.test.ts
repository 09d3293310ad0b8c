import { describe, expect, it } from '@jest/globals';

import { jobHealth, type JobSnapshot } from '../../../lib/detect/job-health.ts';
import { createListing } from '../../../lib/kube/listing.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import { alertFixture, checkoutPod, nightlyJob, nightlyJobPod, warningEvent } from '../../helpers/fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const alert = alertFixture('job-failed.json');
const ofJob = { kind: 'Job', name: 'nightly-report-29384756', namespace: 'reporting', apiVersion: 'batch/v1' };

function snapshot(overrides: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    namespace: 'reporting',
    name: 'nightly-report-29384756',
    job: nightlyJob('backoff-limit'),
    pods: [nightlyJobPod('error', '7xk2p'), nightlyJobPod('error', 'b4n8q'), nightlyJobPod('error', 'r2d5w')],
    events: [],
    ...overrides,
  };
}

describe('job-health detector: observe', () => {
  it('reads the Job, its pods by their job-name label and the Job’s Warning events', async () => {
    const kube = new FakeKube().add(nightlyJob(), nightlyJobPod('error', '7xk2p'), checkoutPod('app-crash'));
    kube.events = [warningEvent(ofJob, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')];

    const observed = await jobHealth.observe(alert, kube);

    expect(observed.job?.metadata?.uid).toBe('e7d6c5b4-a3f2-4e1d-9c8b-7a6f5e4d3c2b');
    expect(observed.pods.map((pod) => pod.metadata?.name)).toEqual(['nightly-report-29384756-7xk2p']);
    expect(observed.events.map((event) => event.reason)).toEqual(['BackoffLimitExceeded']);
  });

  it('records a Job cleaned up since as null', async () => {
    expect(await jobHealth.observe(alert, new FakeKube())).toMatchObject({ job: null, pods: [], events: [] });
  });
});

describe('job-health detector: diagnose', () => {
  it('explains a backoff-limit failure by its pods’ exits, with the CronJob that created it', () => {
    const diagnosis = jobHealth.diagnose(
      snapshot({
        events: [warningEvent(ofJob, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')],
      }),
      now,
    );

    expect(diagnosis).toMatchObject({
      detector: 'job-health',
      anomaly: 'BackoffLimitExceeded',
      target: {
        kind: 'Job',
        namespace: 'reporting',
        name: 'nightly-report-29384756',
        uid: 'e7d6c5b4-a3f2-4e1d-9c8b-7a6f5e4d3c2b',
      },
      summary:
        'job nightly-report-29384756 failed: 3 pods failed (backoffLimit 2); pod nightly-report-29384756-7xk2p: Error, exit code 1',
      confidence: 0.8,
    });
    expect(diagnosis.evidence.map((item) => item.message)).toEqual([
      'Failed=True (BackoffLimitExceeded): Job has reached the specified backoff limit',
      'created by cronjob nightly-report',
      'pod nightly-report-29384756-7xk2p: Error, exit code 1',
      'pod nightly-report-29384756-b4n8q: Error, exit code 1',
      'pod nightly-report-29384756-r2d5w: Error, exit code 1',
      'BackoffLimitExceeded: Job has reached the specified backoff limit',
    ]);
    expect(diagnosis.facts).toEqual({
      job: {
        namespace: 'reporting',
        name: 'nightly-report-29384756',
        uid: 'e7d6c5b4-a3f2-4e1d-9c8b-7a6f5e4d3c2b',
        failed: true,
        reason: 'BackoffLimitExceeded',
        evicted: false,
        oomKilled: false,
      },
    });
  });

  it('reports an OOM kill among its pods as oom-killed, which a re-run would repeat', () => {
    const diagnosis = jobHealth.diagnose(
      snapshot({ pods: [nightlyJobPod('oom-killed', '7xk2p'), nightlyJobPod('error', 'b4n8q')] }),
      now,
    );

    expect(diagnosis.anomaly).toBe('oom-killed');
    expect(diagnosis.summary).toBe(
      'job nightly-report-29384756 failed: 3 pods failed (backoffLimit 2); container report is killed for exceeding its memory limit (512Mi)',
    );
    expect(diagnosis.facts.job).toMatchObject({ failed: true, reason: 'BackoffLimitExceeded', oomKilled: true });
  });

  it('explains a deadline failure by activeDeadlineSeconds', () => {
    const diagnosis = jobHealth.diagnose(snapshot({ job: nightlyJob('deadline'), pods: [] }), now);

    expect(diagnosis).toMatchObject({
      anomaly: 'DeadlineExceeded',
      summary: 'job nightly-report-29384756 failed: it ran past activeDeadlineSeconds (3600 s)',
    });
    expect(diagnosis.facts.job).toMatchObject({ failed: true, reason: 'DeadlineExceeded', oomKilled: false });
  });

  it('says some of its pods were evicted, a failure from outside its own code', () => {
    const diagnosis = jobHealth.diagnose(
      snapshot({ job: nightlyJob('deadline'), pods: [nightlyJobPod('evicted', '7xk2p')] }),
      now,
    );

    expect(diagnosis.facts.job?.evicted).toBe(true);
  });

  it('reports any other failure reason as job-failed, keeping the reason in the facts', () => {
    const diagnosis = jobHealth.diagnose(snapshot({ job: nightlyJob('pod-failure-policy') }), now);

    expect(diagnosis.anomaly).toBe('job-failed');
    expect(diagnosis.facts.job?.reason).toBe('PodFailurePolicy');
  });

  it('says why a running Job has not completed, from its pods, and for how long it has run', () => {
    const diagnosis = jobHealth.diagnose(
      snapshot({ job: nightlyJob('running'), pods: [nightlyJobPod('unschedulable', '7xk2p')] }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'unschedulable',
      summary:
        'job nightly-report-29384756 has run for 45 min without completing (1 active, 0 succeeded, 0 failed): the scheduler finds no node for the pod: 3 Insufficient memory',
      confidence: 0.7,
    });
    expect(diagnosis.facts.job).toMatchObject({ failed: false, evicted: false, oomKilled: false });
    expect(diagnosis.facts.job).not.toHaveProperty('reason');
  });

  it('reports a running Job whose pods report nothing as job-not-completed, unsure', () => {
    const diagnosis = jobHealth.diagnose(
      snapshot({ job: nightlyJob('running'), pods: [nightlyJobPod('running', '7xk2p')] }),
      now,
    );

    expect(diagnosis).toMatchObject({
      anomaly: 'job-not-completed',
      summary: 'job nightly-report-29384756 has run for 45 min without completing (1 active, 0 succeeded, 0 failed)',
      confidence: 0.4,
    });
    // With nothing wrong in its pods, the record still shows what the Job and its pod report.
    expect(diagnosis.evidence).toEqual([
      {
        source: 'job.status',
        message: expect.stringMatching(/^started \S+; 1 active, 0 succeeded, 0 failed \(completions 1, parallelism 1/),
        at: expect.any(String),
      },
      { source: 'pod.status', message: expect.stringMatching(/^pod \S+7xk2p is Running since /) },
      { source: 'owner', message: 'created by cronjob nightly-report' },
    ]);
  });

  it('reports gone for a Job cleaned up since', () => {
    expect(jobHealth.diagnose(snapshot({ job: null, pods: [] }), now)).toMatchObject({
      anomaly: 'gone',
      summary:
        'job reporting/nightly-report-29384756 no longer exists (cleaned up by its TTL or CronJob history limit)',
      confidence: 0.8,
      facts: {},
    });
  });
});

describe('job-health detector: audit', () => {
  function picked(objects: Parameters<typeof createListing>[0]) {
    return [...jobHealth.audit!.snapshots(createListing(objects), now)];
  }

  it('picks a failed Job with its pods, by their job-name label', () => {
    const [snapshot, ...rest] = picked({
      Job: [nightlyJob('backoff-limit')],
      Pod: [nightlyJobPod('error', '7xk2p'), nightlyJobPod('error', 'b4n8q'), checkoutPod('app-crash')],
    });

    expect(rest).toEqual([]);
    expect(snapshot).toMatchObject({ namespace: 'reporting', name: 'nightly-report-29384756', events: [] });
    expect(snapshot?.pods.map((pod) => pod.metadata?.name)).toEqual([
      'nightly-report-29384756-7xk2p',
      'nightly-report-29384756-b4n8q',
    ]);
  });

  it('skips a Job that is still running (KubeJobNotCompleted says when it runs too long)', () => {
    expect(picked({ Job: [nightlyJob('running')], Pod: [nightlyJobPod('running')] })).toEqual([]);
  });
});
