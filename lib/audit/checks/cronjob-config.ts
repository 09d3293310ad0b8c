import type { V1CronJob } from '@kubernetes/client-node';

import type { Finding } from '../finding.ts';
import { auditFinding, type AuditCheck } from './check.ts';
import { cronScheduleProblem } from './cron-schedule.ts';

/** A CronJob that creates no Job: suspended, an invalid schedule, a negative starting deadline. */
export function checkCronJob(cronJob: V1CronJob): Finding[] {
  const name = cronJob.metadata?.name ?? '';
  const namespace = cronJob.metadata?.namespace;
  const findings: Finding[] = [];
  if (cronJob.spec?.suspend === true) {
    findings.push(
      auditFinding(
        'CronJob',
        namespace,
        name,
        'cronjob-suspended',
        `cronjob ${name} is suspended: no new jobs are created`,
        ['spec.suspend: true'],
      ),
    );
  }
  const schedule = cronJob.spec?.schedule ?? '';
  const problem = cronScheduleProblem(schedule);
  if (problem !== undefined) {
    findings.push(
      auditFinding(
        'CronJob',
        namespace,
        name,
        'cronjob-invalid-schedule',
        `cronjob ${name} has an invalid schedule "${schedule}": ${problem}`,
        [`spec.schedule: ${schedule}`],
      ),
    );
  }
  const deadline = cronJob.spec?.startingDeadlineSeconds;
  if (deadline !== undefined && deadline < 0) {
    findings.push(
      auditFinding(
        'CronJob',
        namespace,
        name,
        'cronjob-negative-deadline',
        `cronjob ${name} has a negative startingDeadlineSeconds (${deadline}): no job can start`,
        [`spec.startingDeadlineSeconds: ${deadline}`],
      ),
    );
  }
  return findings;
}

export const cronJobConfig: AuditCheck = {
  name: 'cronjob-config',
  description: 'CronJobs that create no Job: suspended, an invalid schedule, a negative startingDeadlineSeconds.',
  lists: ['CronJob'],
  keeps: () => ({ CronJob: (cronJob) => checkCronJob(cronJob).length > 0 }),
  check: (listing) => listing.of('CronJob').flatMap(checkCronJob),
};
