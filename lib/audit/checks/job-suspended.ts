import type { V1Job } from '@kubernetes/client-node';

import type { Finding } from '../finding.ts';
import { auditFinding, type AuditCheck } from './check.ts';

/** A suspended Job: it runs no pods until resumed. */
export function checkJob(job: V1Job): Finding[] {
  if (job.spec?.suspend !== true) return [];
  const name = job.metadata?.name ?? '';
  return [
    auditFinding(
      'Job',
      job.metadata?.namespace,
      name,
      'job-suspended',
      `job ${name} is suspended: it runs no pods until resumed`,
      ['spec.suspend: true'],
    ),
  ];
}

export const jobSuspended: AuditCheck = {
  name: 'job-suspended',
  description: 'Jobs suspended by spec.suspend: they run no pods until resumed.',
  lists: ['Job'],
  keeps: () => ({ Job: (job) => checkJob(job).length > 0 }),
  check: (listing) => listing.of('Job').flatMap(checkJob),
};
