import type { Logger } from 'pino';

import type { Outcome, Result } from '../domain/types.ts';
import { describeError } from '../errors.ts';
import type { OutcomeStore } from '../store/outcome-store.ts';

/** Records the final result of an alert instance and releases it. */
export async function finish(
  deps: { store: OutcomeStore; clock: () => Date; logger: Logger },
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
  return final;
}
