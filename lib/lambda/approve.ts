import * as z from 'zod';

import { formatIssue } from '../alert/schema.ts';
import { ValidationError } from '../errors.ts';
import { approve } from '../pipeline/manual.ts';
import { remediateNow, type RemediateDeps } from '../pipeline/remediate.ts';

export const ApproveEventSchema = z
  .object({
    approve: z.string().min(1),
    by: z.string().min(1, 'say who approves'),
  })
  .strict();

/**
 * A direct invoke of the remediator, `{"approve": "<id>", "by": "<who>"}`: records the approval
 * and runs the fix now, through every guardrail. Answers with the outcome's id, stage, result and
 * reason; a malformed event or a record that is not waiting is an error naming why. A fix the
 * cluster or store interrupted is handed to the plan queue to finish, and the answer says so.
 */
export function makeApproveHandler(deps: RemediateDeps) {
  return async (event: unknown) => {
    const parsed = ApproveEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new ValidationError(`approve event: ${parsed.error.issues.map(formatIssue).join('; ')}`);
    }
    await approve(deps.store, {
      id: parsed.data.approve,
      by: parsed.data.by,
      now: deps.clock(),
      leaseMs: deps.leaseMs,
    });
    const outcome = await remediateNow(parsed.data.approve, deps);
    deps.logger.info({ alertId: outcome.id, by: parsed.data.by, result: outcome.result }, 'approved fix ran');
    return { id: outcome.id, stage: outcome.stage, result: outcome.result, reason: outcome.reason };
  };
}
