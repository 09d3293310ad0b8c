import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describeError } from '../errors.ts';
import type { KillSwitch } from '../guardrails/kill-switch.ts';

/** The local kill switch: a file in the data directory, so that a running `kubemend serve` sees it flip at once. */
export const KILL_SWITCH_FILE = 'kill-switch.json';

/** Where the switch stands, and who set it, when and why, as `kubemend kill-switch status` shows it. */
export interface KillSwitchState {
  on: boolean;
  /** What the remediator would say when it refuses a write (or `off`). */
  reason: string;
  by?: string;
  at?: string;
  why?: string;
}

/**
 * The switch as the data directory holds it. No file is off (a fresh directory allows writes, as
 * the agent config's `killSwitch: false` does); a file that cannot be read or parsed is on, as the
 * SSM switch fails closed.
 */
export function readLocalKillSwitch(dataDir: string): KillSwitchState {
  const file = join(dataDir, KILL_SWITCH_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { on: false, reason: 'off' };
    return {
      on: true,
      reason: `the kill switch file ${file} cannot be read (${describeError(error).message}): treated as on`,
    };
  }
  try {
    const stored = JSON.parse(text) as { on?: unknown; by?: unknown; at?: unknown; why?: unknown };
    const said = {
      ...(typeof stored.by === 'string' ? { by: stored.by } : {}),
      ...(typeof stored.at === 'string' ? { at: stored.at } : {}),
      ...(typeof stored.why === 'string' ? { why: stored.why } : {}),
    };
    if (stored.on === false) return { on: false, reason: 'off', ...said };
    if (stored.on === true) {
      const who = said.by === undefined ? '' : ` by ${said.by}`;
      const why = said.why === undefined ? '' : `: ${said.why}`;
      return { on: true, reason: `the kill switch is on (kubemend kill-switch on${who}${why})`, ...said };
    }
  } catch {
    // garbled: on, below
  }
  return { on: true, reason: `the kill switch file ${file} holds neither on nor off: treated as on` };
}

/** Sets the switch, atomically (a reader sees the old file or the new one, never half of one). */
export function writeLocalKillSwitch(
  dataDir: string,
  state: { on: boolean; by: string; why?: string; at: Date },
): KillSwitchState {
  const file = join(dataDir, KILL_SWITCH_FILE);
  const next = `${file}.${process.pid}.tmp`;
  const record = {
    on: state.on,
    by: state.by,
    at: state.at.toISOString(),
    ...(state.why === undefined ? {} : { why: state.why }),
  };
  writeFileSync(next, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(next, file);
  return readLocalKillSwitch(dataDir);
}

/** The remediator's switch on a data directory, read at every write: flipping it needs no restart. */
export function localKillSwitch(dataDir: string): KillSwitch {
  return async () => {
    const { on, reason } = readLocalKillSwitch(dataDir);
    return { on, reason };
  };
}
