import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';

import { createLocalRuntime, type LocalRuntime } from '../../../lib/local/runtime.ts';
import { startServer } from '../../../lib/local/server.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { startLoopback } from '../../helpers/loopback.ts';
import { slackClick } from '../../helpers/slack.ts';
import { localRuntimeOptions } from '../../helpers/support.ts';

/**
 * Hostile input to the webhook endpoint, 10,000 generated cases and the classic attacks: every
 * answer is a 4xx that says what is wrong (or a 202 for a valid body), never a 500, never a crash,
 * and nothing is accepted that was not valid.
 */
const TOKEN = 'hostile-input-credential-0123';
const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-hostile-'));
let runtime: LocalRuntime;
const valid = JSON.parse(readFixture('alerts/crashlooping-single.json')) as Record<string, unknown>;

beforeAll(() => {
  runtime = createLocalRuntime(localRuntimeOptions(dataDir, { webhookToken: TOKEN }));
});

afterAll(async () => {
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** POSTs through the runtime's router; `authorization: null` sends no header at all. */
async function post(body: string, authorization: string | null = `Bearer ${TOKEN}`) {
  const response = await runtime.handle({
    method: 'POST',
    path: '/alerts',
    headers: { authorization: authorization ?? undefined, 'content-type': 'application/json' },
    body,
  });
  return { status: response.statusCode, body: JSON.parse(response.body) as { message?: string; accepted?: number } };
}

function expectClearRefusalOrAcceptance(answer: { status: number; body: { message?: string } }) {
  expect([202, 400, 401, 413]).toContain(answer.status);
  if (answer.status !== 202) expect(answer.body.message).toEqual(expect.any(String));
}

describe('hostile webhook input', () => {
  it('answers a small body of 100,000 empty alerts with a short 400, in bounded memory, and keeps serving', async () => {
    const server = await startServer(runtime, { host: '127.0.0.1', port: 0 });
    try {
      const body = JSON.stringify({ ...valid, alerts: Array.from({ length: 100_000 }, () => ({})) });
      const send = (alerts: string) =>
        fetch(server.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: alerts,
        });
      const before = process.memoryUsage().rss;

      const answers = await Promise.all(Array.from({ length: 5 }, () => send(body)));
      const texts = await Promise.all(answers.map((answer) => answer.text()));

      expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400]);
      expect(Math.max(...texts.map((text) => text.length))).toBeLessThan(1_000);
      expect(JSON.parse(texts[0]!)).toMatchObject({ issues: ['alerts: at most 5000 alerts in one notification'] });
      // Five such bodies at once, each ~300 KB: nowhere near the hundreds of MB a full validation took.
      expect(process.memoryUsage().rss - before).toBeLessThan(100 * 2 ** 20);
      const health = await fetch(new URL('/healthz', server.url));
      expect(health.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('answers any JSON value with a 4xx that says what is wrong, or a 202 (6,000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        expectClearRefusalOrAcceptance(await post(JSON.stringify(value)));
      }),
      { numRuns: 6_000 },
    );
  });

  it('refuses a webhook with any one field replaced by junk, naming the field (3,000 cases)', async () => {
    const fields = Object.keys(valid);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 3 }), async (field, junk) => {
        const answer = await post(JSON.stringify({ ...valid, [field]: junk }));
        expectClearRefusalOrAcceptance(answer);
        if (answer.status === 400) expect(answer.body.message).toContain(field);
      }),
      { numRuns: 3_000 },
    );
  });

  it('refuses any wrong credential with a 401 (1,000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.string({ maxLength: 80 })), async (credential) => {
        fc.pre(credential !== `Bearer ${TOKEN}`);
        const answer = await post(JSON.stringify(valid), credential);
        expect(answer.status).toBe(401);
        expect(answer.body.message).toEqual(expect.any(String));
      }),
      { numRuns: 1_000 },
    );
  });

  it('survives deep nesting, prototype-pollution keys and non-JSON bodies', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expectClearRefusalOrAcceptance(await post(deep));
    const polluted = await post(
      `{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}`,
    );
    expect(polluted.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const xml = await post('<alerts><alert/></alerts>');
    expect(xml).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^body is not valid JSON/) } });
    // Over the 5 MiB limit: refused by the HTTP server before it is parsed.
    const server = await startServer(runtime, { host: '127.0.0.1', port: 0 });
    try {
      const huge = await fetch(server.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...valid, padding: 'x'.repeat(6 * 2 ** 20) }),
      });
      expect(huge.status).toBe(413);
      expect(((await huge.json()) as { message: string }).message).toBe('request body exceeds 5242880 bytes');
    } finally {
      await server.close();
    }
  });
});

describe('connection limits', () => {
  const limits = { headersTimeoutMs: 400, requestTimeoutMs: 800, idleTimeoutMs: 600, maxConnections: 3 };

  /** A raw TCP client: what it receives, and when the server closed it (ms after connecting). */
  function rawClient(port: number) {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = new Promise<number>((resolve) => {
      socket.on('close', () => resolve(Date.now() - started));
      socket.on('error', () => undefined);
    });
    return { socket, closed, received: () => received };
  }

  it('refuses a wrong credential from the headers alone, without waiting for the body', async () => {
    const server = await startServer(runtime, { host: '127.0.0.1', port: 0, limits });
    try {
      const client = rawClient(server.port);
      client.socket.write(
        'POST /alerts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{',
      );

      const closedAfter = await client.closed;

      expect(client.received()).toMatch(/^HTTP\/1\.1 401 /);
      expect(client.received()).toContain('wrong webhook credential');
      // Well before the request timeout: the 5 MB it announced were never waited for.
      expect(closedAfter).toBeLessThan(limits.requestTimeoutMs);
    } finally {
      await server.close();
    }
  });

  it('answers any other route from its headers too, without reading the body it announces', async () => {
    const server = await startServer(runtime, { host: '127.0.0.1', port: 0, limits });
    try {
      const client = rawClient(server.port);
      client.socket.write('POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n{');

      const closedAfter = await client.closed;

      expect(client.received()).toMatch(/^HTTP\/1\.1 404 /);
      expect(closedAfter).toBeLessThan(limits.requestTimeoutMs);
    } finally {
      await server.close();
    }
  });

  it('closes a connection that sends nothing, and one that sends its headers too slowly', async () => {
    const server = await startServer(runtime, { host: '127.0.0.1', port: 0, limits });
    try {
      const silent = rawClient(server.port);
      const slow = rawClient(server.port);
      slow.socket.write('POST /alerts HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => slow.socket.write('X-Slow: 1\r\n'), 100);

      const [silentAfter, slowAfter] = await Promise.all([silent.closed, slow.closed]);
      clearInterval(drip);

      expect(silentAfter).toBeLessThan(limits.idleTimeoutMs + 1_500);
      expect(slowAfter).toBeLessThan(limits.headersTimeoutMs + 1_500);
    } finally {
      await server.close();
    }
  });

  it('closes connections past the cap on arrival, and serves again once they go', async () => {
    const server = await startServer(runtime, {
      host: '127.0.0.1',
      port: 0,
      limits: { ...limits, idleTimeoutMs: 10_000, headersTimeoutMs: 10_000, requestTimeoutMs: 20_000 },
    });
    try {
      const held = Array.from({ length: limits.maxConnections }, () => rawClient(server.port));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const extra = rawClient(server.port);

      expect(await extra.closed).toBeLessThan(1_000);
      expect(extra.received()).toBe('');

      held.forEach((client) => client.socket.destroy());
      await Promise.all(held.map((client) => client.closed));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('the metrics credential', () => {
  it('guards /metrics and /version when one is set, and leaves /healthz and the webhook as they were', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubemend-metrics-token-'));
    const guarded = createLocalRuntime({
      ...localRuntimeOptions(dir, { webhookToken: TOKEN }),
      metricsToken: 'metrics-credential-0123456',
    });
    try {
      const get = (path: string, authorization?: string) =>
        guarded.handle({ method: 'GET', path, headers: { authorization }, body: '' });

      expect((await get('/metrics')).statusCode).toBe(401);
      expect((await get('/version', 'Bearer wrong-credential-000000')).statusCode).toBe(401);
      expect((await get('/metrics', 'Bearer metrics-credential-0123456')).statusCode).toBe(200);
      expect((await get('/version', 'Bearer metrics-credential-0123456')).statusCode).toBe(200);
      expect((await get('/healthz')).statusCode).toBe(200);
      expect((await get('/metrics', `Bearer ${TOKEN}`)).statusCode).toBe(401);
    } finally {
      await guarded.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Slack's buttons on kubemend serve", () => {
  const SECRET = 'slack-signing-secret-of-the-test-app';

  it('answers 404 until a signing secret is set, and 405 to anything but POST', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubemend-slack-off-'));
    const off = createLocalRuntime(localRuntimeOptions(dir));
    const on = createLocalRuntime({ ...localRuntimeOptions(join(dir, 'on')), slackSigningSecret: SECRET });
    try {
      expect(off.preflight({ method: 'POST', path: '/slack/interactions', headers: {} })).toMatchObject({
        statusCode: 404,
        body: expect.stringContaining('start kubemend serve with KUBEMEND_SLACK_SIGNING_SECRET'),
      });
      expect(on.preflight({ method: 'GET', path: '/slack/interactions', headers: {} })?.statusCode).toBe(405);
      expect(on.preflight({ method: 'POST', path: '/slack/interactions', headers: {} })).toBeUndefined();
    } finally {
      await off.close();
      await on.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a signed click at once, decides from the queue, and tells the one who clicked on the response_url', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubemend-slack-'));
    const answers: { text: string; response_type?: string }[] = [];
    const slack = await startLoopback((_request, text, response) => {
      answers.push(JSON.parse(text) as { text: string });
      response.end();
    });
    const config = join(dir, 'agent_config.yaml');
    const shipped = parse(readFileSync('config/agent_config.yaml', 'utf8')) as Record<string, unknown>;
    writeFileSync(
      config,
      stringify({ ...shipped, slack: { approvers: { U024BE7LH: 'alice@example.com' }, responseOrigins: [slack.url] } }),
    );
    const served = createLocalRuntime({
      ...localRuntimeOptions(join(dir, 'data'), { configPath: config }),
      slackSigningSecret: SECRET,
    });
    const server = await startServer(served, { host: '127.0.0.1', port: 0 });
    const click = (options: { userId?: string; secret?: string }) => {
      const { body, headers } = slackClick({
        secret: options.secret ?? SECRET,
        id: 'nope@2026-12-01T02:00:00Z',
        responseUrl: `${slack.url}/actions/T0001/1/x`,
        ...(options.userId === undefined ? {} : { userId: options.userId }),
      });
      return fetch(new URL('/slack/interactions', server.url), { method: 'POST', headers, body });
    };
    try {
      const forged = await click({ secret: 'not-the-apps-signing-secret' });
      expect(forged.status).toBe(401);
      expect(await forged.text()).toContain('wrong Slack signature');

      const started = Date.now();
      const approver = await click({});
      const stranger = await click({ userId: 'U0MALLORY' });
      expect([approver.status, await approver.text(), stranger.status]).toEqual([200, '', 200]);
      expect(Date.now() - started).toBeLessThan(3_000);

      const deadline = Date.now() + 10_000;
      while (answers.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(answers.map((answer) => answer.text).sort()).toEqual([
        'Nothing was done: no record for alert instance nope@2026-12-01T02:00:00Z',
        'alice (U0MALLORY) is not a kubemend approver, so nothing was done. slack.approvers in the agent config lists who is.',
      ]);
      expect(answers.every((answer) => answer.response_type === 'ephemeral')).toBe(true);
    } finally {
      await server.close();
      await served.close();
      await slack.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
