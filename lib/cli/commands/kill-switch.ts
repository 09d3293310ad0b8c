import type { Command } from 'commander';

import type { KillSwitchState } from '../../local/kill-switch.ts';
import type { CliContext } from '../context.ts';
import { parseChoice } from '../options.ts';
import { openSystem, withStageOptions, type SystemOptions } from '../system.ts';

interface KillSwitchOptions extends SystemOptions {
  config: string;
  output: 'text' | 'json';
  by?: string;
  reason?: string;
}

/**
 * `kubemend kill-switch on|off|status`: the global stop, flipped without a restart. Locally a file
 * in the data directory that a running `kubemend serve` reads before every write; on a stage the
 * SSM parameter the remediator reads (within 30 s in a warm function). Exit code 0 whatever the
 * state: `status -o json` says it for scripts.
 */
export function killSwitchCommand(program: Command, ctx: CliContext): void {
  withStageOptions(program.command('kill-switch'))
    .description('stop every write to every cluster (on), allow them again (off), or say which (status)')
    .argument('<state>', 'on, off or status', parseChoice(['on', 'off', 'status']))
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option(
      '--config <file>',
      'agent configuration (its killSwitch: true stops writes whatever this says)',
      ctx.defaultConfig,
    )
    .option('--by <name>', 'who flips it (default: $KUBEMEND_USER or $USER)')
    .option('--reason <text>', 'why, for whoever looks next')
    .option('-o, --output <format>', 'text or json', parseChoice(['text', 'json']), 'text')
    .action(async (state: 'on' | 'off' | 'status', options: KillSwitchOptions) => {
      const system = await openSystem(ctx, options);
      const now =
        state === 'status'
          ? await system.killSwitch()
          : await system.setKillSwitch({
              on: state === 'on',
              by: await system.who(options.by),
              ...(options.reason === undefined ? {} : { why: options.reason }),
            });
      ctx.io.stdout(
        options.output === 'json' ? `${JSON.stringify(now, null, 2)}\n` : `${describe(now, system.where)}\n`,
      );
    });
}

function describe(state: KillSwitchState, where: string): string {
  const said = [
    state.by === undefined ? '' : ` by ${state.by}`,
    state.at === undefined ? '' : ` at ${state.at}`,
    state.why === undefined ? '' : `: ${state.why}`,
  ].join('');
  return state.on
    ? `kill switch ON for the ${where}${said}: no fix writes to any cluster\n  ${state.reason}`
    : `kill switch off for the ${where}${said}: fixes may write as their rules allow`;
}
