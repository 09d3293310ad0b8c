import type { Command } from 'commander';

import { formatAuditMarkdown, formatAuditTable } from '../../audit/format.ts';
import { DEFAULT_MAX_PER_KIND } from '../../audit/scan.ts';
import type { CliContext } from '../context.ts';
import { ValidationError } from '../../errors.ts';
import { parseChoice, parsePositive, withKubeOptions } from '../options.ts';

interface AuditOptions {
  cluster?: string;
  context?: string;
  kubeconfig?: string;
  namespace?: string[];
  allNamespaces?: boolean;
  dataDir: string;
  config: string;
  output: 'table' | 'json' | 'markdown';
  maxPerKind: number;
}

export function auditCommand(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  withKubeOptions(program.command('audit'), ctx.env.KUBEMEND_KUBE_CONTEXT)
    .description('scan a cluster with every detector, store the findings, and report what is new, open and resolved')
    .option('--cluster <name>', 'registry entry to audit (default: defaultCluster, or the kubeconfig context)')
    .option('-n, --namespace <name...>', 'only these namespaces (default: all, as -A)')
    .option('-A, --all-namespaces', 'every namespace (the default), as kubectl takes it')
    .option('--data-dir <dir>', 'embedded store directory', ctx.defaultDataDir)
    .option('--config <file>', 'agent configuration', ctx.defaultConfig)
    .option('-o, --output <format>', 'table, json or markdown', parseChoice(['table', 'json', 'markdown']), 'table')
    .option('--max-per-kind <n>', 'read at most this many objects of each kind', parsePositive, DEFAULT_MAX_PER_KIND)
    .action(async (options: AuditOptions) => {
      if (options.allNamespaces === true && options.namespace !== undefined) {
        throw new ValidationError('-A (every namespace) and -n (these namespaces) exclude each other');
      }
      // Listing a large cluster page by page takes longer than one read.
      const [report] = await ctx.withRuntime({ ...options, kubeTimeoutMs: 30_000 }, (runtime) =>
        runtime.app.audit({
          clusters: [options.cluster],
          ...(options.namespace === undefined ? {} : { namespaces: options.namespace }),
          maxPerKind: options.maxPerKind,
          onTruncated: (_cluster, kind, max) =>
            io.stderr(
              `warning: more than ${max} ${kind} objects; only ${max} were audited, so no finding is marked resolved (--max-per-kind)\n`,
            ),
          ...(io.progress === true ? { onProgress: progressBar(io.stderr) } : {}),
        }),
      );
      if (report === undefined) return;
      const text =
        options.output === 'json'
          ? JSON.stringify(report, null, 2)
          : options.output === 'markdown'
            ? formatAuditMarkdown(report)
            : formatAuditTable(report);
      io.stdout(`${text}\n`);
    });
}

/** A progress bar on a terminal: one step per kind listed, then the diagnosis. */
function progressBar(write: (text: string) => void) {
  return (step: string, done: number, total: number) => {
    const width = 20;
    const filled = Math.round((done / total) * width);
    write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${step.padEnd(24)}`);
    if (done === total) write('\n');
  };
}
