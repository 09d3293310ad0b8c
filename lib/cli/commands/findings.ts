import type { Command } from 'commander';

import type { OpenFinding } from '../../audit/findings-store.ts';
import type { CliContext } from '../context.ts';
import { age, fixedWidthTable } from '../format.ts';
import { parseChoice } from '../options.ts';
import { openSystem, withStageOptions, type SystemOptions } from '../system.ts';

interface FindingsOptions extends SystemOptions {
  cluster?: string;
  output: 'table' | 'json';
}

/** `kubemend findings`: what the audits (`kubemend audit`, or the stage's scheduled one) left open. */
export function findingsCommand(program: Command, ctx: CliContext): void {
  withStageOptions(program.command('findings'))
    .description('the audit findings still open, oldest first, with how long each has been open')
    .option('--cluster <name>', 'only this cluster')
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option('-o, --output <format>', 'table or json', parseChoice(['table', 'json']), 'table')
    .action(async (options: FindingsOptions) => {
      const findings = await (await openSystem(ctx, options)).findings(options.cluster);
      ctx.io.stdout(
        options.output === 'json' ? `${JSON.stringify(findings, null, 2)}\n` : `${table(findings, new Date())}\n`,
      );
    });
}

function table(findings: readonly OpenFinding[], now: Date): string {
  if (findings.length === 0) return 'no open findings';
  const rows = findings.map((finding) => [
    finding.cluster,
    `${finding.kind}/${finding.namespace === undefined ? '' : `${finding.namespace}/`}${finding.name}`,
    finding.anomaly,
    age(finding.since, now),
    finding.summary.replace(/\s+/g, ' ').slice(0, 120),
  ]);
  return fixedWidthTable(['CLUSTER', 'OBJECT', 'ANOMALY', 'OPEN FOR', 'SUMMARY'], rows);
}
