// Scheduled audit (EventBridge): scans every registered cluster and records new, open and resolved findings.
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';

import { auditAllClusters, createAuditDeps } from '../lib/lambda/audit.ts';

const deps = await createAuditDeps(process.env);

export const handler = middy<
  ScheduledEvent,
  { clusters: number; new: number; open: number; resolved: number }
>().handler(async () => {
  const reports = await auditAllClusters(deps);
  return {
    clusters: reports.length,
    new: reports.reduce((sum, report) => sum + report.new.length, 0),
    open: reports.reduce((sum, report) => sum + report.open.length, 0),
    resolved: reports.reduce((sum, report) => sum + report.resolved.length, 0),
  };
});
