import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import { createLocalRuntime, type LocalRuntimeOptions } from '../../../lib/local/runtime.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { localRuntimeOptions } from '../../helpers/support.ts';

/** Who runs the stages on the embedded queues: the server does, a one-shot command does not. */
const dataDir = mkdtempSync(join(tmpdir(), 'kubemend-runtime-'));

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function runtime(overrides: Partial<LocalRuntimeOptions> = {}) {
  return createLocalRuntime(localRuntimeOptions(dataDir, overrides));
}

async function postAlert(target: ReturnType<typeof runtime>) {
  const answer = await target.handle({
    method: 'POST',
    path: '/alerts',
    headers: { 'content-type': 'application/json' },
    body: readFixture('alerts/crashlooping-single.json'),
  });
  expect(answer.statusCode).toBe(202);
}

describe('the local runtime', () => {
  it('leaves queued alerts alone when told not to consume, and a server started later takes them', async () => {
    const oneShot = runtime({ consume: false });
    await postAlert(oneShot);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await oneShot.store.recent({ limit: 10 })).toEqual([]);
    await oneShot.close();

    const server = runtime();
    await server.queues.idle();
    const records = await server.store.recent({ limit: 10 });
    await server.close();

    expect(records).toEqual([expect.objectContaining({ stage: 'done', result: 'cluster-unreachable' })]);
  });
});
