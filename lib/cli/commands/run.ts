import type { Command } from 'commander';

import type { Mode, Plan } from '../../domain/types.ts';
import { ValidationError } from '../../errors.ts';
import { KINDS, kindNamed } from '../../kube/kinds.ts';
import { remediators } from '../../remediate/registry.ts';
import type { CliContext } from '../context.ts';
import { whileWaiting } from '../progress.ts';
import { openSystem } from '../system.ts';
import { collectParams, parseChoice } from '../options.ts';
import { printOutcome, remediatorCommand, type RemediatorOptions } from './remediator-options.ts';

const KIND_NAMES = Object.keys(KINDS);

interface RunOptions extends RemediatorOptions {
  namespace?: string;
  param: Record<string, unknown>;
  mode: Mode;
  reason: string;
  by?: string;
  cluster?: string;
}

export function runCommand(program: Command, ctx: CliContext): void {
  const fixes = remediators.map((r) => r.action);
  remediatorCommand(program, ctx, 'run')
    .description('apply one fix by hand, through every guardrail (policy, limits, kill switch, lease, verification)')
    .argument('<action>', `the fix: ${fixes.join(', ')}`)
    .argument('<target>', 'kind/name as kubectl takes it, e.g. deploy/checkout, statefulset/db or no/ip-10-0-1-7')
    .option('-n, --namespace <name>', "the target's namespace")
    .option(
      '--param <key=value...>',
      'a parameter of the fix (values are JSON when they parse as JSON)',
      collectParams,
      {},
    )
    .option('--mode <mode>', 'observe, dry-run or enforce', parseChoice(['observe', 'dry-run', 'enforce']), 'dry-run')
    .option('--reason <text>', 'why, for the record', 'requested by hand')
    .option('--by <name>', 'who asks (default: $KUBEMEND_USER or $USER)')
    .option('--cluster <name>', 'registry entry (default: defaultCluster, or the kubeconfig context)')
    .action(async (action: string, target: string, options: RunOptions) => {
      if (!fixes.includes(action)) throw new ValidationError(`unknown fix "${action}" (known: ${fixes.join(', ')})`);
      const [kindText, name] = target.split('/');
      const kind = kindText === undefined ? undefined : kindNamed(kindText);
      if (kind === undefined || name === undefined || name === '') {
        throw new ValidationError(
          `target must be kind/name with a known kind (${KIND_NAMES.join(', ')}), got "${target}"`,
        );
      }
      const plan: Plan = {
        action,
        target: { kind, name, ...(options.namespace === undefined ? {} : { namespace: options.namespace }) },
        params: options.param,
        reason: options.reason,
      };
      const system = await openSystem(ctx, options);
      const by = await system.who(options.by);
      const outcome = await whileWaiting(ctx.io, `running ${action} on ${target} (${options.mode})`, () =>
        system.run({
          plan,
          by,
          mode: options.mode,
          ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
        }),
      );
      printOutcome(ctx, outcome, options.output);
    });
}
