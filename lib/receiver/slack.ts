import { createHmac } from 'node:crypto';

import * as z from 'zod';

import { formatIssue } from '../alert/schema.ts';
import { PayloadTooLargeError, UnauthorizedError, ValidationError } from '../errors.ts';
import { APPROVE_ACTION, REJECT_ACTION } from '../notify/slack.ts';
import { decisionProof } from '../pipeline/decision-proof.ts';
import type { DecisionMessage } from '../pipeline/messages.ts';
import type { Queue } from '../queue/queue.ts';
import { constantTimeEqual } from './auth.ts';

/** The Slack interactivity route, on the receiver's HTTP API and on `kubemend serve`. */
export const SLACK_ROUTE = '/slack/interactions';

/** How far a request's timestamp may be from now, either way: Slack's own advice, 5 minutes. */
export const SLACK_WINDOW_SECONDS = 300;

/** A button click's body is a few kilobytes; anything far larger is not Slack's. */
export const SLACK_MAX_BODY_BYTES = 64 * 1024;

/** The buttons of an approval notification, by what they decide. */
export const SLACK_ACTIONS = { [APPROVE_ACTION]: 'approve', [REJECT_ACTION]: 'reject' } as const;

/**
 * Checks a request as Slack signs it: `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256, keyed
 * with the app's signing secret, of `v0:<X-Slack-Request-Timestamp>:<the raw body>`. A timestamp
 * more than SLACK_WINDOW_SECONDS from now is refused before the signature is checked, so that a
 * captured request cannot be replayed later; the signatures are compared in constant time.
 */
export function verifySlackSignature(
  request: { body: string; headers: Record<string, string | undefined> },
  secret: string,
  now: Date,
): void {
  const timestamp = request.headers['x-slack-request-timestamp'];
  const signature = request.headers['x-slack-signature'];
  if (timestamp === undefined || signature === undefined) {
    throw new UnauthorizedError('missing X-Slack-Request-Timestamp or X-Slack-Signature');
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new UnauthorizedError('X-Slack-Request-Timestamp is not a Unix time');
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > SLACK_WINDOW_SECONDS) {
    throw new UnauthorizedError(
      `X-Slack-Request-Timestamp is ${Math.round(skew)} s from now (at most ${SLACK_WINDOW_SECONDS}): a replay, or a clock that is off`,
    );
  }
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${request.body}`, 'utf8').digest('hex')}`;
  if (!constantTimeEqual(signature, expected)) throw new UnauthorizedError('wrong Slack signature');
}

const InteractionSchema = z.object({
  type: z.literal('block_actions', { error: 'only button clicks (block_actions) are handled' }),
  user: z.object({
    id: z.string().min(1).max(64),
    username: z.string().max(256).optional(),
    name: z.string().max(256).optional(),
  }),
  team: z.object({ id: z.string().min(1).max(64) }).nullish(),
  response_url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() }))
    .min(1)
    .max(25),
});

/**
 * The decision a signed button click asks for: which record, approve or reject, who clicked (as
 * Slack names them; lib/pipeline/decide.ts maps them to an approver) and where to answer.
 */
export function parseSlackInteraction(body: string): Omit<DecisionMessage, 'receivedAt' | 'proof'> {
  const raw = new URLSearchParams(body).get('payload');
  if (raw === null) throw new ValidationError('expected a form body with a payload field, as Slack sends');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ValidationError('the payload field is not JSON');
  }
  const parsed = InteractionSchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(`Slack interaction: ${parsed.error.issues.slice(0, 5).map(formatIssue).join('; ')}`);
  }
  const { user, team, response_url: responseUrl, actions } = parsed.data;
  // Own keys only: `constructor` or `toString` is no button of ours.
  const action = actions.find((a) => Object.hasOwn(SLACK_ACTIONS, a.action_id));
  if (action?.value === undefined || action.value === '') {
    throw new ValidationError(`no kubemend button in the interaction (${Object.keys(SLACK_ACTIONS).join(', ')})`);
  }
  return {
    kind: 'decision',
    id: action.value,
    decision: SLACK_ACTIONS[action.action_id as keyof typeof SLACK_ACTIONS],
    slack: {
      userId: user.id,
      ...(user.username === undefined && user.name === undefined ? {} : { userName: user.username ?? user.name }),
      ...(team?.id === undefined ? {} : { teamId: team.id }),
      ...(responseUrl === undefined ? {} : { responseUrl }),
    },
  };
}

/**
 * A request on the Slack route, end to end: its size, its signature, then the decision handed to
 * the remediator's queue, so that the answer (an empty 200) goes back well within Slack's 3
 * seconds while the fix runs and is verified elsewhere; the remediator answers on the message's
 * `response_url`. Throws a 4xx error, having queued nothing, for a request that is not a signed
 * kubemend button click.
 */
export async function receiveSlackInteraction(
  request: { body: string; headers: Record<string, string | undefined> },
  deps: { decisions: Queue<DecisionMessage>; secret: string; clock: () => Date },
): Promise<DecisionMessage> {
  if (Buffer.byteLength(request.body, 'utf8') > SLACK_MAX_BODY_BYTES)
    throw new PayloadTooLargeError(SLACK_MAX_BODY_BYTES);
  const now = deps.clock();
  verifySlackSignature(request, deps.secret, now);
  const decision = { ...parseSlackInteraction(request.body), receivedAt: now.toISOString() };
  const message: DecisionMessage = { ...decision, proof: decisionProof(decision, deps.secret) };
  await deps.decisions.send([message]);
  return message;
}
