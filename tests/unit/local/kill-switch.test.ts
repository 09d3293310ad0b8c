import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import {
  KILL_SWITCH_FILE,
  localKillSwitch,
  readLocalKillSwitch,
  writeLocalKillSwitch,
} from '../../../lib/local/kill-switch.ts';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-kill-switch-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the local kill switch', () => {
  it('is off in a fresh data directory, and says who set it, when and why once flipped', async () => {
    const dir = fresh();
    const check = localKillSwitch(dir);
    expect(await check()).toEqual({ on: false, reason: 'off' });

    writeLocalKillSwitch(dir, { on: true, by: 'alice', why: 'incident 42', at: new Date('2026-12-01T03:00:00Z') });

    // The same check, no restart: the next write reads the file again.
    expect(await check()).toEqual({
      on: true,
      reason: 'the kill switch is on (kubemend kill-switch on by alice: incident 42)',
    });
    expect(readLocalKillSwitch(dir)).toMatchObject({ by: 'alice', at: '2026-12-01T03:00:00.000Z', why: 'incident 42' });
    writeLocalKillSwitch(dir, { on: false, by: 'bob', at: new Date('2026-12-01T04:00:00Z') });
    expect(readLocalKillSwitch(dir)).toEqual({ on: false, reason: 'off', by: 'bob', at: '2026-12-01T04:00:00.000Z' });
  });

  it('fails closed: a file it cannot parse, or that says neither on nor off, is on', () => {
    const dir = fresh();
    writeFileSync(join(dir, KILL_SWITCH_FILE), '{"on": "maybe"}');
    expect(readLocalKillSwitch(dir)).toEqual({
      on: true,
      reason: `the kill switch file ${join(dir, KILL_SWITCH_FILE)} holds neither on nor off: treated as on`,
    });
    writeFileSync(join(dir, KILL_SWITCH_FILE), '{"on": fal');
    expect(readLocalKillSwitch(dir).on).toBe(true);
  });

  it('fails closed on a file it cannot read', () => {
    const dir = fresh();
    mkdirSync(join(dir, KILL_SWITCH_FILE));
    expect(readLocalKillSwitch(dir)).toMatchObject({
      on: true,
      reason: expect.stringMatching(/^the kill switch file .* cannot be read \(.*EISDIR.*\): treated as on$/),
    });
  });
});
