import type { Outcome } from '../../domain/types.ts';
import { describeTarget } from '../../guardrails/guard.ts';
import type { KubeApi } from '../../kube/kube-api.ts';
import { finish } from '../finish.ts';
import { guardContext, runGuards } from './guards.ts';
import type { Run } from './run.ts';
import { verifyFix } from './verify.ts';
import { releasing, writeAndVerify } from './write.ts';

/** What a record that ends a resumed write says, for the earlier write may have landed. */
export function earlierWriteMayStand(run: Run): string {
  return `an earlier attempt's write may have landed (${run.plan.action} ${describeTarget(run.plan.target)}): check the target`;
}

/**
 * A record left at `applying`: an earlier run decided and began the write, which may have
 * landed. Policy, limits and approval were settled then, so the same idempotent change is written
 * again and verified; only the guards checked on resume (the kill switch, another fix holding the
 * target) stop it now, and the record then says the earlier write may stand.
 */
export async function resumeWrite(run: Run, kube: KubeApi): Promise<Outcome> {
  const { deps } = run;
  const mayStand = earlierWriteMayStand(run);
  if (run.outcome.resolvedAt !== undefined) {
    return finish(
      deps,
      run.outcome,
      'resolved',
      `the alert resolved at ${run.outcome.resolvedAt}; not written again; ${mayStand}`,
    );
  }
  const mode = run.outcome.policy?.mode ?? 'enforce';
  const verdict = await runGuards(run, 'write', guardContext(run, { annotations: {} }, mode, true));
  if (!verdict.allowed) return finish(deps, run.outcome, 'failed', `${verdict.reason}; ${mayStand}`);
  return releasing(run, () => writeAndVerify(run, kube, run.outcome.policy?.reason ?? 'resumed an interrupted write'));
}

/** A record left at `verifying`: the write landed; verify it (and undo it) instead of writing again. */
export async function resumeVerification(run: Run, kube: KubeApi): Promise<Outcome> {
  const { outcome } = run;
  const applied = { change: outcome.change ?? '', diff: outcome.diff, undo: outcome.undo };
  return releasing(run, () => verifyFix(run, kube, applied));
}
