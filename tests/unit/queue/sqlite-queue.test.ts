import { DatabaseSync } from 'node:sqlite';

import { describe, expect, it } from '@jest/globals';

import { createLocalQueues } from '../../../lib/queue/sqlite-queue.ts';

const options = { maxAttempts: 3, visibilityMs: 60_000, retryDelayMs: 1 };

/** Waits (at most 5 s) until `done()` holds. */
async function wait(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('local durable queue', () => {
  it('delivers every message sent to its consumer', async () => {
    const queues = createLocalQueues(new DatabaseSync(':memory:'), options);
    const seen: unknown[] = [];
    queues.consume('alerts', async (body) => {
      seen.push(body);
    });

    await queues.queue<{ n: number }>('alerts').send([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await queues.idle();

    expect(seen).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }, { n: 3 }]));
    expect(seen).toHaveLength(3);
    await queues.stop();
  });

  it('retries a failing message and dead-letters it after the last attempt', async () => {
    const queues = createLocalQueues(new DatabaseSync(':memory:'), options);
    let calls = 0;
    queues.consume('plans', async () => {
      calls += 1;
      throw new Error('apiserver said no');
    });

    await queues.queue('plans').send([{ id: 'x' }]);
    // Retries are scheduled a few milliseconds apart; wait (bounded in time) for the last one.
    const deadline = Date.now() + 15_000;
    while (queues.deadLetters().length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    expect({ calls, dead: queues.deadLetters().length }).toEqual({ calls: 3, dead: 1 });
    expect(queues.deadLetters()).toEqual([
      {
        seq: expect.any(Number),
        topic: 'plans',
        body: '{"id":"x"}',
        attempts: 3,
        lastError: 'internal_error: apiserver said no',
      },
    ]);
    await queues.stop();
  }, 20_000);

  it('retries on time even when its timers fire before the clock reaches the time they were set for', async () => {
    // A clock at half the speed of the timers: every wake-up comes early by that clock, as a
    // timer may by a millisecond. Each early wake-up must set the next one.
    const start = Date.now();
    const queues = createLocalQueues(new DatabaseSync(':memory:'), {
      maxAttempts: 3,
      visibilityMs: 50,
      retryDelayMs: 300,
      now: () => start + Math.floor((Date.now() - start) / 2),
    });
    let calls = 0;
    queues.consume('plans', async () => {
      calls += 1;
      throw new Error('apiserver said no');
    });

    await queues.queue('plans').send([{ id: 'x' }]);
    const deadline = Date.now() + 10_000;
    while (queues.deadLetters().length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    expect({ calls, dead: queues.deadLetters().length }).toEqual({ calls: 3, dead: 1 });
    await queues.stop();
  }, 15_000);

  it('puts dead letters back as new messages a running consumer takes, or deletes them', async () => {
    const db = new DatabaseSync(':memory:');
    const queues = createLocalQueues(db, { ...options, maxAttempts: 1, pollMs: 20 });
    let failing = true;
    const handled: unknown[] = [];
    queues.consume('plans', async (body) => {
      if (failing) throw new Error('down');
      handled.push(body);
    });
    await queues.queue('plans').send([{ id: 'a' }, { id: 'b' }]);
    await queues.queue('alerts').send([{ id: 'c' }]);
    await wait(() => queues.deadLetters().length === 2);
    failing = false;

    // As the CLI does: another handle on the same database, which consumes nothing.
    const cli = createLocalQueues(db, options);
    expect(cli.redrive('plans')).toBe(2);
    await wait(() => handled.length === 2);

    expect(handled).toEqual(expect.arrayContaining([{ id: 'a' }, { id: 'b' }]));
    expect(queues.deadLetters()).toEqual([]);
    expect(cli.purge()).toBe(0);
    await queues.stop();
  });

  it('keeps messages nobody handled yet for the next process on the same database', async () => {
    const db = new DatabaseSync(':memory:');
    const before = createLocalQueues(db, options);
    await before.queue('alerts').send([{ n: 1 }]);
    await before.stop();

    const after = createLocalQueues(db, options);
    const seen: unknown[] = [];
    after.consume('alerts', async (body) => {
      seen.push(body);
    });
    await after.idle();

    expect(seen).toEqual([{ n: 1 }]);
    await after.stop();
  });
  it('hands a new server at once the messages a stopped one had taken, and sets aside one that stops every server', async () => {
    const db = new DatabaseSync(':memory:');
    const slow = { maxAttempts: 2, visibilityMs: 300_000, retryDelayMs: 1 };
    // The first server takes the message and stops (a crash: the handler never finishes).
    const crashed = createLocalQueues(db, slow);
    let taken = 0;
    crashed.consume('plans', () => {
      taken += 1;
      return new Promise<void>(() => undefined);
    });
    await crashed.queue('plans').send([{ id: 'x' }]);
    await wait(() => taken === 1);
    void crashed.stop();

    // Five minutes invisible, unless the next server takes over what its predecessor left.
    const next = createLocalQueues(db, slow);
    const seen: unknown[] = [];
    next.consume('plans', async (body) => {
      seen.push(body);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([]);
    expect(next.recover()).toBe(1);
    await wait(() => seen.length === 1);
    expect(seen).toEqual([{ id: 'x' }]);
    await next.stop();

    // A message that stops the server every time it is taken is dead once its attempts are spent.
    const poison = createLocalQueues(db, slow);
    await poison.queue('plans').send([{ id: 'poison' }]);
    for (let restart = 0; restart < 2; restart += 1) {
      const server = createLocalQueues(db, slow);
      let took = false;
      server.recover();
      server.consume('plans', () => {
        took = true;
        return new Promise<void>(() => undefined);
      });
      await wait(() => took);
      void server.stop();
    }
    const last = createLocalQueues(db, slow);
    last.recover();
    last.consume('plans', async () => {
      throw new Error('never taken again');
    });
    await wait(() => last.deadLetters().length === 1);
    expect(last.deadLetters()[0]).toMatchObject({
      body: '{"id":"poison"}',
      lastError:
        'stopped: taken 2 times, the last without an answer (the server stopped or the handler outlived the visibility timeout)',
    });
    await last.stop();
  });
});
