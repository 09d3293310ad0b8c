import * as z from 'zod';

import type { App } from '../app/app.ts';
import { formatIssue } from '../alert/schema.ts';
import { ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export const ApproveEventSchema = z
  .object({
    approve: z.string().min(1),
    by: z.string().min(1, 'say who approves'),
  })
  .strict();

/**
 * A direct invoke of the remediator, `{"approve": "<id>", "by": "<who>"}`: records the approval
 * and runs the fix now, through every guardrail (`App.approve`). Answers with the outcome's id,
 * stage, result and reason; a malformed event or a record that is not waiting is an error naming
 * why. A fix the cluster or store interrupted is handed to the plan queue to finish, and the
 * answer says so.
 */
export function makeApproveHandler(app: App, logger: Logger) {
  return async (event: unknown) => {
    const parsed = ApproveEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new ValidationError(`approve event: ${parsed.error.issues.map(formatIssue).join('; ')}`);
    }
    const outcome = await app.approve(parsed.data.approve, parsed.data.by);
    logger.info({ alertId: outcome.id, by: parsed.data.by, result: outcome.result }, 'approved fix ran');
    return { id: outcome.id, stage: outcome.stage, result: outcome.result, reason: outcome.reason };
  };
}
