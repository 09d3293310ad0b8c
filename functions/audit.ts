// Scheduled audit (EventBridge): scans every registered cluster and records new, open and resolved findings.
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';

import { auditFunction } from '../lib/lambda/functions.ts';

const { app, maxPerKind } = auditFunction(process.env);
// A bad configuration fails the cold start, naming the problem.
await app.config();

export const handler = middy<
  ScheduledEvent,
  { clusters: number; new: number; open: number; resolved: number }
>().handler(async () => {
  const reports = await app.audit({ maxPerKind });
  return {
    clusters: reports.length,
    new: reports.reduce((sum, report) => sum + report.new.length, 0),
    open: reports.reduce((sum, report) => sum + report.open.length, 0),
    resolved: reports.reduce((sum, report) => sum + report.resolved.length, 0),
  };
});
