import { describeError } from '../errors.ts';
import { ALLOWED, refused, type Guard } from './guard.ts';
import type { ParameterStore } from '../secrets/parameters.ts';

/**
 * The global stop: when it is on, the remediator makes no change to any cluster (diagnoses and
 * dry runs go on). Checked before every write. It fails closed: a switch that cannot be read
 * counts as on.
 */
export type KillSwitch = () => Promise<{ on: boolean; reason: string }>;

/** A fixed switch, from `killSwitch` in the agent config (local runs). */
export function configKillSwitch(on: boolean): KillSwitch {
  return async () => ({ on, reason: on ? 'the kill switch is on (killSwitch: true in the agent config)' : 'off' });
}

/**
 * A switch in an SSM parameter (`on`/`off`, `true`/`false`), read at most every `cacheMs` so that
 * flipping it takes effect within that time across all containers. What it decided, a switch that
 * cannot be read included, holds for `cacheMs` too, so an SSM outage does not slow every write.
 */
export function ssmKillSwitch(
  parameters: ParameterStore,
  name: string,
  options: { cacheMs: number; clock?: () => number },
): KillSwitch {
  const clock = options.clock ?? Date.now;
  let cached: { at: number; value: { on: boolean; reason: string } } | undefined;
  return async () => {
    if (cached !== undefined && clock() - cached.at < options.cacheMs) return cached.value;
    let value: { on: boolean; reason: string };
    try {
      value = killSwitchVerdict(name, await parameters.get(name, { maxAgeMs: options.cacheMs }));
    } catch (error) {
      value = {
        on: true,
        reason: `the kill switch parameter ${name} cannot be read (${describeError(error).message}): treated as on`,
      };
    }
    cached = { at: clock(), value };
    return value;
  };
}

/** What the parameter's value says (undefined: it does not exist); anything but off (or false) is on. */
export function killSwitchVerdict(name: string, stored: string | undefined): { on: boolean; reason: string } {
  if (stored === undefined) {
    return { on: true, reason: `the kill switch parameter ${name} cannot be read (it does not exist): treated as on` };
  }
  const raw = stored.trim().toLowerCase();
  if (raw === 'off' || raw === 'false') return { on: false, reason: 'off' };
  if (raw === 'on' || raw === 'true') return { on: true, reason: `the kill switch is on (SSM parameter ${name})` };
  return { on: true, reason: `the kill switch parameter ${name} holds "${raw}", not on or off: treated as on` };
}

/** No change to any cluster while the kill switch is on (diagnoses and dry runs go on). */
export const killSwitchGuard: Guard = {
  name: 'kill-switch',
  what: 'kill switch (SSM parameter / `killSwitch`)',
  fallback: () => 'off; unreadable counts as on',
  recordedAs: '`refused`: the kill switch is on',
  phase: 'write',
  onResume: true,
  check: async ({ killSwitch, resuming }) => {
    const stop = await killSwitch();
    if (!stop.on) return ALLOWED;
    return refused(`${stop.reason}: ${resuming ? 'not written again' : 'no change made'}`);
  },
};
