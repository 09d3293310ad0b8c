import * as z from 'zod';

import { AlertSchema } from '../alert/schema.ts';

/** Receiver → detector: one alert instance from one webhook. */
export const AlertMessageSchema = z.object({
  kind: z.literal('alert'),
  alert: AlertSchema,
  receivedAt: z.string(),
  receiver: z.string(),
  groupKey: z.string(),
});
export type AlertMessage = z.infer<typeof AlertMessageSchema>;

/** Detector → remediator: the record whose plan is due. The plan itself is read from the store. */
export const PlanMessageSchema = z.object({
  kind: z.literal('plan'),
  id: z.string().min(1),
});
export type PlanMessage = z.infer<typeof PlanMessageSchema>;
