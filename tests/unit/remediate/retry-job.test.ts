import { describe, expect, it } from '@jest/globals';
import type { V1Job } from '@kubernetes/client-node';

import type { Plan } from '../../../lib/domain/types.ts';
import { freshJob, rerunHealth, retryJob, retryName, type RetryJobParams } from '../../../lib/remediate/retry-job.ts';
import { FakeKube } from '../../helpers/fake-kube.ts';
import {
  failedJob,
  jobFailedDiagnosis,
  SETTLEMENT_JOB_UID,
  settlementJobFacts,
} from '../../helpers/remediate-fixtures.ts';

const now = new Date('2026-11-26T02:20:00Z');
const RETRY = 'settlement-28891440-retry-7c2d9';

function retrySettlement(): Plan & { params: RetryJobParams } {
  return {
    action: 'retry-job',
    target: { kind: 'Job', namespace: 'payments', name: 'settlement-28891440', uid: SETTLEMENT_JOB_UID },
    params: { uid: SETTLEMENT_JOB_UID },
    reason: 'job settlement-28891440 failed for a reason outside its code (DeadlineExceeded): a new run may pass',
  };
}

/** The re-run as the Job controller reports it. */
function rerun(status: V1Job['status']): V1Job {
  return { ...freshJob(failedJob()), kind: 'Job', metadata: { name: RETRY, namespace: 'payments' }, status };
}

describe('retry-job plan', () => {
  it('re-runs a Job that ran past its deadline, exactly the one diagnosed', () => {
    expect(retryJob.plan(jobFailedDiagnosis(), {}, now)).toEqual({
      action: 'retry-job',
      target: { kind: 'Job', namespace: 'payments', name: 'settlement-28891440', uid: SETTLEMENT_JOB_UID },
      params: { uid: SETTLEMENT_JOB_UID },
      reason: 'job settlement-28891440 failed for a reason outside its code (DeadlineExceeded): a new run may pass',
    });
  });

  it('re-runs a Job whose pods were evicted, even past its backoff limit', () => {
    const diagnosis = jobFailedDiagnosis(
      { job: settlementJobFacts({ reason: 'BackoffLimitExceeded', evicted: true }) },
      'BackoffLimitExceeded',
    );

    expect(retryJob.plan(diagnosis, {}, now)).toMatchObject({
      reason: 'job settlement-28891440 failed for a reason outside its code (evicted): a new run may pass',
    });
  });

  it('refuses a Job that failed by its own pods: a re-run would fail again', () => {
    const diagnosis = jobFailedDiagnosis(
      { job: settlementJobFacts({ reason: 'BackoffLimitExceeded' }) },
      'BackoffLimitExceeded',
    );

    expect(retryJob.plan(diagnosis, {}, now)).toEqual({
      refused: 'job settlement-28891440 failed by its own pods (BackoffLimitExceeded): a re-run would fail again',
      fits: true,
    });
  });

  it('refuses a Job whose containers were OOM-killed, even when its deadline passed', () => {
    const diagnosis = jobFailedDiagnosis({ job: settlementJobFacts({ oomKilled: true }) }, 'oom-killed');

    expect(retryJob.plan(diagnosis, {}, now)).toEqual({
      refused: "job settlement-28891440's containers were OOM-killed: a re-run fails the same way",
      fits: true,
    });
  });

  it('refuses a Job that has not failed', () => {
    const diagnosis = jobFailedDiagnosis(
      { job: settlementJobFacts({ failed: false, reason: undefined }) },
      'job-not-completed',
    );

    expect(retryJob.plan(diagnosis, {}, now)).toEqual({
      refused: 'job settlement-28891440 has not failed',
      fits: true,
    });
  });

  it('does not fit a diagnosis without Job facts', () => {
    expect(retryJob.plan(jobFailedDiagnosis({ job: undefined }), {}, now)).toEqual({
      refused: 'the diagnosis names no Job',
      fits: false,
    });
  });
});

describe('rerunHealth', () => {
  it('is healthy once the new run completes', () => {
    const done = rerun({
      succeeded: 1,
      completionTime: new Date('2026-11-26T02:31:00Z'),
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached' },
        { type: 'Complete', status: 'True', reason: 'CompletionsReached' },
      ],
    });

    expect(rerunHealth(done)).toEqual({ state: 'healthy', detail: 'the new run completed (1 succeeded)' });
  });

  it('is progressing while the new run is active', () => {
    expect(rerunHealth(rerun({ active: 1, ready: 1, startTime: new Date('2026-11-26T02:20:02Z') }))).toEqual({
      state: 'progressing',
      detail: '1 active, 0 succeeded',
    });
  });

  it('fails when the new run fails', () => {
    const failed = rerun({
      failed: 3,
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      ],
    });

    expect(rerunHealth(failed)).toEqual({
      state: 'failed',
      detail: 'the new run failed: BackoffLimitExceeded Job has reached the specified backoff limit',
    });
  });
});

describe('freshJob', () => {
  it('copies name, labels, annotations and template, without what the Job controller generated or the status', () => {
    expect(freshJob(failedJob())).toEqual({
      metadata: {
        name: 'settlement-28891440',
        namespace: 'payments',
        labels: { app: 'settlement' },
        annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-11-26T00:00:00Z' },
      },
      spec: {
        activeDeadlineSeconds: 600,
        backoffLimit: 2,
        completions: 1,
        parallelism: 1,
        template: {
          metadata: { labels: { app: 'settlement' } },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'settle', image: 'registry.example/settlement:4.2.0', args: ['--day', 'yesterday'] }],
          },
        },
      },
    });
  });

  it('leaves the failed Job as it was', () => {
    const job = failedJob();

    freshJob(job);

    expect(job).toEqual(failedJob());
  });
});

describe('retryName', () => {
  it('derives the name from the failed Job’s uid, so a second run finds the same Job', () => {
    expect(retryName('settlement-28891440', SETTLEMENT_JOB_UID)).toBe(RETRY);
  });

  it('shortens a long name to stay within 63 characters', () => {
    const name = retryName('nightly-reconciliation-of-settlement-ledgers-for-all-regions-eu', SETTLEMENT_JOB_UID);

    expect(name).toBe('nightly-reconciliation-of-settlement-ledgers-for-al-retry-7c2d9');
    expect(name).toHaveLength(63);
  });
});

describe('retry-job inspect', () => {
  it('finds nothing in the way of the failed Job diagnosed', async () => {
    expect((await retryJob.inspect(retrySettlement(), new FakeKube().add(failedJob()))).blocker).toBeUndefined();
  });

  it('blocks when the Job was re-created since the diagnosis', async () => {
    const recreated = failedJob();
    recreated.metadata!.uid = '0f1e2d3c-4b5a-4968-8776-655443322110';

    expect((await retryJob.inspect(retrySettlement(), new FakeKube().add(recreated))).blocker).toBe(
      'the Job was re-created since it was diagnosed',
    );
  });

  it('blocks a Job that is not failed', async () => {
    const running = failedJob();
    running.status = { active: 1, startTime: new Date('2026-11-26T02:10:00Z') };

    expect((await retryJob.inspect(retrySettlement(), new FakeKube().add(running))).blocker).toBe(
      'the Job has not failed',
    );
  });
});

describe('retry-job apply', () => {
  it('creates the new run first, then deletes the failed Job', async () => {
    const kube = new FakeKube().add(failedJob());
    const plan = retrySettlement();

    const applied = await retryJob.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(applied).toEqual({
      change: `re-ran failed job payments/settlement-28891440 as job ${RETRY} and deleted the failed one with its pods`,
      diff: [
        `job payments/${RETRY}: created from the template of settlement-28891440`,
        'job payments/settlement-28891440: deleted',
      ],
      undo: { job: RETRY },
    });
    expect(kube.writes.map((w) => [w.verb, w.name])).toEqual([
      ['create', RETRY],
      ['delete', 'settlement-28891440'],
    ]);
    const created = await kube.read('Job', RETRY, 'payments');
    expect(created.spec?.selector).toBeUndefined();
    expect(created.spec?.template.metadata?.labels).toEqual({ app: 'settlement' });
    await expect(kube.read('Job', 'settlement-28891440', 'payments')).rejects.toThrow('not found');
  });

  it('dry-runs both writes without changing anything', async () => {
    const kube = new FakeKube().add(failedJob());
    const plan = retrySettlement();

    const { change } = await retryJob.apply(plan, plan.params, kube, { dryRun: true, limits: {} });

    expect(change).toBe(
      `would re-run failed job payments/settlement-28891440 as job ${RETRY} and delete the failed one with its pods`,
    );
    expect(kube.writes.map((w) => [w.verb, w.dryRun])).toEqual([
      ['create', true],
      ['delete', true],
    ]);
    expect(await kube.list('Job')).toEqual([failedJob()]);
  });

  it('finishes a run that crashed after creating the new Job by deleting the failed one', async () => {
    const kube = new FakeKube().add(failedJob(), rerun({ active: 1 }));
    const plan = retrySettlement();

    const { change } = await retryJob.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(change).toBe(
      `re-ran failed job payments/settlement-28891440 as job ${RETRY} (created by an earlier run) and deleted the failed one with its pods`,
    );
    expect(kube.writes.map((w) => [w.verb, w.name])).toEqual([['delete', 'settlement-28891440']]);
  });

  it('writes nothing on a second run after both writes landed', async () => {
    const kube = new FakeKube().add(rerun({ active: 1 }));
    const plan = retrySettlement();

    const { change } = await retryJob.apply(plan, plan.params, kube, { dryRun: false, limits: {} });

    expect(change).toMatch(/\(created by an earlier run\)/);
    expect(kube.writes).toEqual([]);
  });
});

describe('retry-job check', () => {
  it('judges the new run, found by its derived name', async () => {
    const kube = new FakeKube().add(rerun({ active: 1 }));
    const plan = retrySettlement();

    expect(await retryJob.check!(plan, plan.params, kube, { change: '' }, now)).toEqual({
      state: 'progressing',
      detail: '1 active, 0 succeeded',
    });
  });
});
