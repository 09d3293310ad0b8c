import { KubemendError } from '../errors.ts';
import { notificationText } from './message.ts';
import type { Notifier } from './notifier.ts';

/**
 * Posts to a Slack incoming webhook. The URL is a credential: it is never logged, and errors
 * name only the HTTP status.
 */
export function slackNotifier(webhookUrl: () => Promise<string>, options: { timeoutMs?: number } = {}): Notifier {
  return {
    notify: async (outcome) => {
      const { subject, body } = notificationText(outcome);
      const response = await fetch(await webhookUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `*${slackEscape(subject)}*\n${slackEscape(body)}` }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      if (!response.ok) {
        throw new KubemendError('notification_failed', `Slack answered ${response.status} ${response.statusText}`);
      }
    },
  };
}

/**
 * Text for Slack's mrkdwn with `&`, `<` and `>` escaped as Slack asks, so that words from an alert
 * (`<!channel>`, `<https://…|a link>`) are shown as written, never as a mention or a link.
 */
export function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
