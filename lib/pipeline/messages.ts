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

/**
 * Receiver → remediator: a person's decision on a fix waiting for approval, from a signed Slack
 * button click. Who clicked is Slack's user; the remediator maps it to an approver (or refuses).
 */
export const DecisionMessageSchema = z.object({
  kind: z.literal('decision'),
  id: z.string().min(1),
  decision: z.enum(['approve', 'reject']),
  slack: z.object({
    userId: z.string().min(1),
    userName: z.string().optional(),
    teamId: z.string().optional(),
    /** Where the outcome is posted back, replacing the notification's buttons. */
    responseUrl: z.string().optional(),
  }),
  receivedAt: z.string(),
  /**
   * The receiver's HMAC of the rest, keyed with the Slack signing secret (lib/receiver/slack.ts):
   * only a decision the receiver took from a signed click carries a valid one, so a message put on
   * the queue by anyone else cannot name an approver.
   */
  proof: z.string(),
});
export type DecisionMessage = z.infer<typeof DecisionMessageSchema>;

/** What the remediator's queue carries: plans that are due, and decisions on waiting ones. */
export const RemediatorMessageSchema = z.discriminatedUnion('kind', [PlanMessageSchema, DecisionMessageSchema]);
export type RemediatorMessage = z.infer<typeof RemediatorMessageSchema>;
