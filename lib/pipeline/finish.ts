import type { Logger } from 'pino';

import type { Outcome, Result } from '../domain/types.ts';
import { describeError } from '../errors.ts';
import { notificationKind, type Notifier } from '../notify/notifier.ts';
import type { OutcomeMetrics } from '../observe/metrics.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';

export interface FinishDeps {
  store: OutcomeStore;
  clock: () => Date;
  logger: Logger;
  /** Told about applied, refused and failed results. */
  notifier?: Notifier;
  /** Counts every final record (CloudWatch EMF in AWS). */
  metrics?: OutcomeMetrics;
}

/** Records the final result of an alert instance, releases it, and notifies when it matters. */
export async function finish(
  deps: FinishDeps,
  outcome: Outcome,
  result: Result,
  reason: string,
  error?: unknown,
): Promise<Outcome> {
  const final: Outcome = {
    ...outcome,
    stage: 'done',
    result,
    reason,
    ...(error === undefined ? {} : { error: describeError(error) }),
    timings: { ...outcome.timings, finishedAt: deps.clock().toISOString() },
  };
  await deps.store.save(final, null);
  deps.logger.info({ alertId: final.id, alertname: final.alert.labels.alertname, result, reason }, 'outcome recorded');
  deps.metrics?.outcome(final);
  await notify(deps, final);
  return final;
}

/** Notifies about an outcome if it is one people are told about; never throws. */
export async function notify(deps: FinishDeps, outcome: Outcome): Promise<void> {
  if (deps.notifier === undefined || notificationKind(outcome) === undefined) return;
  try {
    await deps.notifier.notify(outcome);
  } catch (error) {
    deps.logger.warn({ alertId: outcome.id, error: describeError(error) }, 'notification not sent');
  }
}
