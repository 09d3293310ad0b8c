import type { Outcome } from '../domain/types.ts';
import { KubemendError } from '../errors.ts';
import { notificationText } from './message.ts';
import type { Notifier } from './notifier.ts';

/** The Approve and Reject buttons' action IDs (lib/receiver/slack.ts reads them back). */
export const APPROVE_ACTION = 'kubemend-approve';
export const REJECT_ACTION = 'kubemend-reject';

/** Block Kit's limit on a section's text. */
const SECTION_MAX = 3000;

/** What is posted back on a button click's response_url. */
export interface SlackAnswer {
  text: string;
  /** Shown to the one who clicked only, leaving the message as it is. */
  ephemeral?: boolean;
  blocks?: unknown[];
}

export type SlackResponder = (responseUrl: string, answer: SlackAnswer) => Promise<void>;

/**
 * Posts to a Slack incoming webhook. The URL is a credential: it is never logged, and errors
 * name only the HTTP status. A fix waiting for approval comes with the diagnosis, its evidence,
 * the plan and its diff, and Approve and Reject buttons; the receiver's Slack route takes the
 * click (docs/runbooks/approvals.md).
 */
export function slackNotifier(webhookUrl: () => Promise<string>, options: { timeoutMs?: number } = {}): Notifier {
  return {
    notify: async (outcome) => {
      const { subject, body } = notificationText(outcome);
      const text = `*${slackEscape(subject)}*\n${slackEscape(body)}`;
      const message =
        outcome.stage === 'awaiting-approval' ? { text, blocks: approvalBlocks(outcome, text) } : { text };
      await post(await webhookUrl(), message, options.timeoutMs);
    },
  };
}

/** Answers a button click on its response_url: the outcome in place of the buttons, or a word to the one who clicked. */
export function slackResponder(options: { timeoutMs?: number } = {}): SlackResponder {
  return async (responseUrl, answer) =>
    post(
      responseUrl,
      answer.ephemeral === true
        ? { response_type: 'ephemeral', replace_original: false, text: answer.text }
        : {
            replace_original: true,
            text: answer.text,
            ...(answer.blocks === undefined ? {} : { blocks: answer.blocks }),
          },
      options.timeoutMs,
    );
}

/** The message that replaces an approval notification once someone decided: what they decided and how it ended. */
export function decidedMessage(outcome: Outcome, decision: 'approve' | 'reject', by: string): SlackAnswer {
  const { subject, body } = notificationText(outcome);
  const verb = decision === 'approve' ? 'Approved' : 'Rejected';
  const text = `*${verb} by ${slackEscape(by)}*: ${slackEscape(outcome.result ?? outcome.stage)}\n*${slackEscape(subject)}*\n${slackEscape(body)}`;
  return { text, blocks: [section(text)] };
}

/**
 * An approval notification in Block Kit: the summary, the evidence the diagnosis rests on, the
 * plan with its params and diff, then the buttons (Approve asks to confirm). Every word from an
 * alert or the cluster is escaped, and each section held to Block Kit's 3,000 characters.
 */
export function approvalBlocks(outcome: Outcome, summary: string): unknown[] {
  const evidence = (outcome.diagnosis?.evidence ?? []).slice(0, 8).map((item) => `• ${slackEscape(item.message)}`);
  const plan = outcome.plan;
  const planLines =
    plan === undefined
      ? []
      : [
          `*Plan*: \`${slackEscape(plan.action)}\` ${slackEscape(`${plan.target.kind}/${plan.target.namespace === undefined ? '' : `${plan.target.namespace}/`}${plan.target.name}`)}`,
          ...Object.entries(plan.params).map(
            ([key, value]) => `• ${slackEscape(key)}: ${slackEscape(JSON.stringify(value))}`,
          ),
        ];
  const diff = outcome.diff ?? [];
  return [
    section(summary),
    ...(evidence.length === 0 ? [] : [section(`*Evidence*\n${evidence.join('\n')}`)]),
    ...(planLines.length === 0 ? [] : [section(planLines.join('\n'))]),
    ...(diff.length === 0 ? [] : [section(`*Diff*\n\`\`\`${slackEscape(diff.join('\n'))}\`\`\``)]),
    {
      type: 'actions',
      block_id: 'kubemend-decision',
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: outcome.id,
          confirm: {
            title: { type: 'plain_text', text: 'Run this fix?' },
            text: { type: 'mrkdwn', text: 'It runs now, through every guardrail, and is verified.' },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        {
          type: 'button',
          action_id: REJECT_ACTION,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value: outcome.id,
        },
      ],
    },
  ];
}

function section(text: string) {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: text.length > SECTION_MAX ? `${text.slice(0, SECTION_MAX - 1)}…` : text },
  };
}

async function post(url: string, body: unknown, timeoutMs = 5_000): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) {
    throw new KubemendError('notification_failed', `Slack answered ${response.status} ${response.statusText}`);
  }
}

/**
 * Text for Slack's mrkdwn with `&`, `<` and `>` escaped as Slack asks, so that words from an alert
 * (`<!channel>`, `<https://…|a link>`) are shown as written, never as a mention or a link.
 */
export function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
