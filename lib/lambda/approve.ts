import * as z from 'zod';

import type { App } from '../app/app.ts';
import { formatIssue } from '../alert/schema.ts';
import { ModeSchema, PlanSchema } from '../domain/types.ts';
import { ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';

const ApproveSchema = z
  .object({
    approve: z.string().min(1),
    by: z.string().min(1, 'say who approves'),
  })
  .strict();
const RejectSchema = z
  .object({
    reject: z.string().min(1),
    by: z.string().min(1, 'say who rejects'),
    reason: z.string().max(500).optional(),
  })
  .strict();

const RunSchema = z
  .object({
    run: PlanSchema,
    by: z.string().min(1, 'say who asks'),
    mode: ModeSchema.default('dry-run'),
    cluster: z.string().min(1).optional(),
  })
  .strict();

/**
 * An approval; a rejection when the event names `reject`; a fix by hand when it names `run` (each
 * checked by its own schema, so a problem is named).
 */
export function parseApproveEvent(event: unknown) {
  const has = (key: string) => typeof event === 'object' && event !== null && key in event;
  if (has('run')) return RunSchema.safeParse(event);
  return has('reject') ? RejectSchema.safeParse(event) : ApproveSchema.safeParse(event);
}

/**
 * A direct invoke of the remediator, `{"approve": "<id>", "by": "<who>"}`: records the approval
 * and runs the fix now, through every guardrail (`App.approve`); or `{"reject": "<id>", "by":
 * "<who>", "reason": "…"}`: turns it down, and the record ends `refused` saying who and why; or
 * `{"run": <plan>, "by": "<who>", "mode": "dry-run"|"enforce"|"observe", "cluster"?: "<name>"}`:
 * one fix by hand through every guardrail (`App.runManual`, as `kubemend run` does locally).
 * Answers with the outcome's id, stage, result and reason; a malformed event or a record that is
 * not waiting is an error naming why. A fix the cluster or store interrupted is handed to the plan
 * queue to finish, and the answer says so.
 */
export function makeApproveHandler(app: App, logger: Logger) {
  return async (event: unknown) => {
    const parsed = parseApproveEvent(event);
    if (!parsed.success) {
      throw new ValidationError(
        `approve event: expected {"approve": id, "by": who}, {"reject": id, "by": who, "reason"?} or {"run": plan, "by": who, "mode"?, "cluster"?}: ${parsed.error.issues.map(formatIssue).join('; ')}`,
      );
    }
    const request = parsed.data;
    const outcome =
      'run' in request
        ? await app.runManual({
            plan: request.run,
            by: request.by,
            mode: request.mode,
            ...(request.cluster === undefined ? {} : { cluster: request.cluster }),
          })
        : 'approve' in request
          ? await app.approve(request.approve, request.by)
          : await app.reject(request.reject, request.by, request.reason);
    logger.info(
      { alertId: outcome.id, by: request.by, result: outcome.result },
      'run' in request ? 'fix by hand ran' : 'approve' in request ? 'approved fix ran' : 'fix rejected',
    );
    return { id: outcome.id, stage: outcome.stage, result: outcome.result, reason: outcome.reason };
  };
}
