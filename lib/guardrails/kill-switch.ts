import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

import { describeError } from '../errors.ts';
import { ALLOWED, refused, type Guard } from './guard.ts';

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
 * A switch in an SSM parameter (`on`/`off`), read at most every `cacheMs` so that flipping it
 * takes effect within that time across all containers.
 */
export function ssmKillSwitch(
  client: SSMClient,
  name: string,
  options: { cacheMs: number; clock?: () => number },
): KillSwitch {
  const clock = options.clock ?? Date.now;
  let cached: { at: number; value: { on: boolean; reason: string } } | undefined;
  return async () => {
    if (cached !== undefined && clock() - cached.at < options.cacheMs) return cached.value;
    let value: { on: boolean; reason: string };
    try {
      const result = await client.send(new GetParameterCommand({ Name: name }));
      const raw = (result.Parameter?.Value ?? '').trim().toLowerCase();
      if (raw === 'off' || raw === 'false') value = { on: false, reason: 'off' };
      else if (raw === 'on' || raw === 'true')
        value = { on: true, reason: `the kill switch is on (SSM parameter ${name})` };
      else
        value = { on: true, reason: `the kill switch parameter ${name} holds "${raw}", not on or off: treated as on` };
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
