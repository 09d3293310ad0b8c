import { describe, expect, it } from '@jest/globals';

import { UnauthorizedError } from '../../../lib/errors.ts';
import type { DecisionMessage } from '../../../lib/pipeline/messages.ts';
import {
  parseSlackInteraction,
  receiveSlackInteraction,
  SLACK_MAX_BODY_BYTES,
  verifySlackSignature,
} from '../../../lib/receiver/slack.ts';
import { recordingQueue } from '../../helpers/support.ts';
import { signedHeaders, slackClick } from '../../helpers/slack.ts';

const SECRET = 'a-signing-secret-of-the-slack-app';
const NOW = new Date('2026-12-01T03:00:00Z');
const at = (offsetSeconds: number) => Math.floor(NOW.getTime() / 1000) + offsetSeconds;

describe("Slack's request signature", () => {
  it("accepts the worked example of Slack's documentation", () => {
    // "Verifying requests from Slack": the secret, timestamp, body and signature it publishes.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const headers = {
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    };

    expect(() =>
      verifySlackSignature({ body, headers }, '8f742231b10e8888abcd99yyyzzz85a5', new Date(1531420618_000)),
    ).not.toThrow();
    expect(() =>
      verifySlackSignature({ body: `${body}x`, headers }, '8f742231b10e8888abcd99yyyzzz85a5', new Date(1531420618_000)),
    ).toThrow('wrong Slack signature');
  });

  it('accepts a request within 5 minutes either way, and refuses a replay or a clock off by more', () => {
    const body = 'payload=%7B%7D';
    const verify = (timestamp: number) => () =>
      verifySlackSignature({ body, headers: signedHeaders(SECRET, body, timestamp) }, SECRET, NOW);

    expect(verify(at(-300))).not.toThrow();
    expect(verify(at(300))).not.toThrow();
    expect(verify(at(-301))).toThrow(
      'X-Slack-Request-Timestamp is 301 s from now (at most 300): a replay, or a clock that is off',
    );
    expect(verify(at(3600))).toThrow(UnauthorizedError);
  });

  it('refuses a wrong secret, a changed body, a missing or malformed header', () => {
    const body = 'payload=%7B%7D';
    const good = signedHeaders(SECRET, body, at(0));
    const refuse =
      (request: { body: string; headers: Record<string, string | undefined> }, secret = SECRET) =>
      () =>
        verifySlackSignature(request, secret, NOW);

    expect(refuse({ body, headers: good }, 'another-secret-entirely')).toThrow('wrong Slack signature');
    expect(refuse({ body: 'payload=%7B%22a%22%7D', headers: good })).toThrow('wrong Slack signature');
    expect(
      refuse({ body, headers: { ...good, 'x-slack-signature': good['x-slack-signature']!.replace('v0=', 'v1=') } }),
    ).toThrow('wrong Slack signature');
    expect(refuse({ body, headers: { ...good, 'x-slack-signature': 'v0=' } })).toThrow('wrong Slack signature');
    expect(refuse({ body, headers: { 'x-slack-request-timestamp': good['x-slack-request-timestamp'] } })).toThrow(
      'missing X-Slack-Request-Timestamp or X-Slack-Signature',
    );
    expect(refuse({ body, headers: { ...good, 'x-slack-request-timestamp': '1e9' } })).toThrow('is not a Unix time');
  });
});

describe('a Slack button click', () => {
  it('reads the decision, the record and who clicked', () => {
    const { body } = slackClick({
      secret: SECRET,
      id: 'abc@2026-12-01T02:00:00Z',
      action: 'kubemend-reject',
      userId: 'U0BOB',
      userName: 'bob',
    });

    expect(parseSlackInteraction(body)).toEqual({
      kind: 'decision',
      id: 'abc@2026-12-01T02:00:00Z',
      decision: 'reject',
      slack: {
        userId: 'U0BOB',
        userName: 'bob',
        teamId: 'T0001',
        responseUrl: 'https://hooks.slack.com/actions/T0001/1234/abcdef',
      },
    });
  });

  it('says what is wrong with a body that is not a kubemend button click', () => {
    const form = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

    expect(() => parseSlackInteraction('text=hello')).toThrow(
      'expected a form body with a payload field, as Slack sends',
    );
    expect(() => parseSlackInteraction('payload=%7Bnot')).toThrow('the payload field is not JSON');
    expect(() => parseSlackInteraction(form({ type: 'view_submission' }))).toThrow(
      'only button clicks (block_actions) are handled',
    );
    expect(() =>
      parseSlackInteraction(
        form({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'other', value: 'x' }] }),
      ),
    ).toThrow('no kubemend button in the interaction (kubemend-approve, kubemend-reject)');
    expect(() =>
      parseSlackInteraction(
        form({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'constructor', value: 'x' }] }),
      ),
    ).toThrow('no kubemend button');
  });

  it('is queued for the remediator once its signature holds, and refused with nothing queued otherwise', async () => {
    const decisions = recordingQueue<DecisionMessage>();
    const deps = { decisions, secret: SECRET, clock: () => NOW };
    const click = slackClick({ secret: SECRET, id: 'abc@x', timestamp: at(-10) });

    await expect(
      receiveSlackInteraction({ ...click, headers: { ...click.headers, 'x-slack-signature': 'v0=00' } }, deps),
    ).rejects.toThrow('wrong Slack signature');
    await expect(
      receiveSlackInteraction(slackClick({ secret: SECRET, id: 'abc@x', timestamp: at(-600) }), deps),
    ).rejects.toThrow('a replay');
    const big = 'payload=' + 'x'.repeat(SLACK_MAX_BODY_BYTES);
    await expect(
      receiveSlackInteraction({ body: big, headers: signedHeaders(SECRET, big, at(0)) }, deps),
    ).rejects.toThrow(`request body exceeds ${SLACK_MAX_BODY_BYTES} bytes`);
    expect(decisions.sent).toEqual([]);

    const queued = await receiveSlackInteraction(click, deps);

    expect(decisions.sent).toEqual([queued]);
    expect(queued).toMatchObject({ kind: 'decision', id: 'abc@x', decision: 'approve', receivedAt: NOW.toISOString() });
  });
});
