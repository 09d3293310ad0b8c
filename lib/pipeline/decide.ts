import type { AgentConfig } from '../config/agent-config.ts';
import type { Outcome } from '../domain/types.ts';
import { describeError, NotFoundError, ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SlackAnswer, SlackResponder } from '../notify/slack.ts';
import { decidedMessage } from '../notify/slack.ts';
import { hasValidProof } from './decision-proof.ts';
import type { DecisionMessage } from './messages.ts';

export interface DecideDeps {
  config: AgentConfig;
  approve(id: string, by: string): Promise<Outcome>;
  reject(id: string, by: string, why: string): Promise<Outcome>;
  respond: SlackResponder;
  /** The Slack signing secret, which keys the receiver's proof on each decision; undefined: none is honoured. */
  secret: () => Promise<string | undefined>;
  logger: Logger;
}

/**
 * A decision from Slack's buttons (the receiver checked Slack's signature): the user must be one
 * of `slack.approvers`, whose name the record keeps; then the fix is approved and run (through
 * every guardrail, as `kubemend approve`) or rejected. The outcome replaces the notification's
 * buttons. A click that cannot be honoured (not an approver, a record no longer waiting) is
 * answered to that user alone and changes nothing; an error worth retrying is thrown, for the
 * queue to deliver the decision again.
 */
export async function decideFromSlack(message: DecisionMessage, deps: DecideDeps): Promise<Outcome | undefined> {
  // Only what the receiver took from a signed click: anything else on the queue names no approver.
  const secret = await deps.secret();
  if (secret === undefined || !hasValidProof(message, secret)) {
    deps.logger.warn(
      { alertId: message.id, slackUser: message.slack.userId },
      'decision without a valid receiver proof: dropped, nothing done',
    );
    return undefined;
  }
  const answer = async (body: SlackAnswer) => {
    const url = message.slack.responseUrl;
    if (url === undefined) return;
    if (!deps.config.slack.responseOrigins.some((origin) => sameOrigin(url, origin))) {
      deps.logger.warn(
        { alertId: message.id },
        'Slack response_url is not at a slack.responseOrigins origin: not answered',
      );
      return;
    }
    // The decision is made and recorded: an answer that does not arrive is logged, never retried.
    await deps
      .respond(url, body)
      .catch((error: unknown) =>
        deps.logger.warn({ alertId: message.id, error: describeError(error) }, 'Slack answer not sent'),
      );
  };
  const clicked = message.slack.userName ?? message.slack.userId;
  const approver = deps.config.slack.approvers[message.slack.userId];
  if (approver === undefined) {
    deps.logger.warn(
      { alertId: message.id, slackUser: message.slack.userId },
      'Slack decision from someone not an approver',
    );
    await answer({
      ephemeral: true,
      text: `${clicked} (${message.slack.userId}) is not a kubemend approver, so nothing was done. slack.approvers in the agent config lists who is.`,
    });
    return undefined;
  }
  const by = `${approver} (Slack ${message.slack.userId})`;
  let outcome: Outcome;
  try {
    outcome =
      message.decision === 'approve'
        ? await deps.approve(message.id, by)
        : await deps.reject(message.id, by, 'rejected in Slack');
  } catch (error) {
    // Decided already, expired or gone: telling the user is all there is to do.
    if (error instanceof ValidationError || error instanceof NotFoundError) {
      await answer({ ephemeral: true, text: `Nothing was done: ${error.message}` });
      return undefined;
    }
    throw error;
  }
  deps.logger.info({ alertId: outcome.id, by, result: outcome.result }, `fix ${message.decision}d in Slack`);
  await answer(decidedMessage(outcome, message.decision, by));
  return outcome;
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === new URL(origin).origin;
  } catch {
    return false;
  }
}
