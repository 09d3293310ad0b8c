import type { Outcome } from '../../domain/types.ts';
import { finish, notify } from '../finish.ts';
import type { Run } from './run.ts';

/** Parks the record until a person approves it or the approval window ends, and says so. */
export async function awaitApproval(run: Run): Promise<Outcome> {
  const { deps } = run;
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.config.approval.expiresMinutes * 60_000).toISOString();
  const waiting: Outcome = {
    ...run.outcome,
    stage: 'awaiting-approval',
    reason: `${run.plan.action} needs approval: run \`kubemend approve ${run.outcome.id}\` before ${expiresAt}`,
    approval: { requestedAt: now.toISOString(), expiresAt },
  };
  await deps.store.save(waiting, null);
  deps.metrics?.outcome(waiting);
  await notify(deps, waiting);
  return waiting;
}

/** A record still waiting for approval: refused once its window ended, else left waiting. */
export async function stillWaiting(run: Run): Promise<Outcome> {
  const { deps, outcome } = run;
  const expiresAt = outcome.approval?.expiresAt ?? '';
  if (deps.clock().getTime() > Date.parse(expiresAt)) {
    return finish(deps, outcome, 'refused', `nobody approved ${run.plan.action} before ${expiresAt}`);
  }
  await deps.store.save(outcome, null);
  return outcome;
}
