import { createHmac } from 'node:crypto';

/**
 * A Slack button click on an approval notification, as Slack sends it to the interactivity URL:
 * a form body whose `payload` field is the block_actions JSON, signed as Slack signs requests
 * (`v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` under the app's signing secret).
 */
export function slackClick(options: {
  secret: string;
  id: string;
  action?: 'kubemend-approve' | 'kubemend-reject';
  userId?: string;
  userName?: string;
  responseUrl?: string;
  /** Unix seconds; now unless given. */
  timestamp?: number;
}): { body: string; headers: Record<string, string> } {
  const payload = {
    type: 'block_actions',
    user: { id: options.userId ?? 'U024BE7LH', username: options.userName ?? 'alice', team_id: 'T0001' },
    api_app_id: 'A0KUBEMEND',
    team: { id: 'T0001', domain: 'example' },
    container: { type: 'message', message_ts: '1764558000.000100', channel_id: 'C0ONCALL' },
    trigger_id: '1234567890.0001.abcdef',
    channel: { id: 'C0ONCALL', name: 'on-call' },
    response_url: options.responseUrl ?? 'https://hooks.slack.com/actions/T0001/1234/abcdef',
    actions: [
      {
        type: 'button',
        action_id: options.action ?? 'kubemend-approve',
        block_id: 'kubemend-decision',
        value: options.id,
        action_ts: '1764558001.000200',
      },
    ],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return { body, headers: signedHeaders(options.secret, body, options.timestamp ?? Math.floor(Date.now() / 1000)) };
}

/** The two headers Slack adds to a request it signs. */
export function signedHeaders(secret: string, body: string, timestamp: number): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${signature}`,
  };
}
