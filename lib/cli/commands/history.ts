import type { Command } from 'commander';
import { stringify } from 'yaml';

import { ResultSchema, StageSchema } from '../../domain/types.ts';
import { ValidationError } from '../../errors.ts';
import { parseLabelSelector, type LabelRequirement } from '../../store/outcome-store.ts';
import type { CliContext } from '../context.ts';
import { formatHistory } from '../format.ts';
import { parseChoice, parsePositive, parseSince } from '../options.ts';
import { openSystem, withStageOptions, type SystemOptions } from '../system.ts';

interface HistoryOptions extends SystemOptions {
  limit: number;
  output: 'table' | 'wide' | 'json' | 'yaml';
  cluster?: string;
  namespace?: string;
  allNamespaces?: boolean;
  selector?: LabelRequirement[];
  result?: string;
  target?: string;
  since?: Date;
}

export function historyCommand(program: Command, ctx: CliContext): void {
  withStageOptions(program.command('history'))
    .description('recent outcomes, newest first')
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option('--limit <n>', 'how many', parsePositive, 50)
    .option(
      '-o, --output <format>',
      'table, wide, json or yaml',
      parseChoice(['table', 'wide', 'json', 'yaml']),
      'table',
    )
    .option('--cluster <name>', 'only this cluster')
    .option('-n, --namespace <name>', 'only this namespace')
    .option('-A, --all-namespaces', 'every namespace (the default), as kubectl takes it')
    .option(
      '-l, --selector <selector>',
      "only alerts whose labels match, as kubectl's -l (severity=critical,team!=web)",
      (value: string) => parseLabelSelector(value),
    )
    .option(
      '--result <result>',
      'only this result, or a stage not yet done (awaiting-approval, …)',
      parseChoice([...ResultSchema.options, ...StageSchema.options.filter((stage) => stage !== 'done')]),
    )
    .option('--target <text>', 'only targets whose kind/namespace/name contains this')
    .option('--since <when>', 'only alerts received since: a duration (30m, 6h, 2d) or an ISO time', parseSince)
    .action(async (options: HistoryOptions) => {
      if (options.allNamespaces === true && options.namespace !== undefined) {
        throw new ValidationError('-A (every namespace) and -n (this namespace) exclude each other');
      }
      const system = await openSystem(ctx, options);
      const outcomes = await system.recent({
        limit: options.limit,
        filter: {
          cluster: options.cluster,
          namespace: options.namespace,
          result: options.result,
          target: options.target,
          since: options.since,
          labels: options.selector,
        },
      });
      ctx.io.stdout(
        options.output === 'json'
          ? `${JSON.stringify(outcomes, null, 2)}\n`
          : options.output === 'yaml'
            ? stringify(outcomes, { lineWidth: 0 })
            : `${formatHistory(outcomes, new Date(), { wide: options.output === 'wide' })}\n`,
      );
    });
}
