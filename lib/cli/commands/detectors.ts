import type { Command } from 'commander';

import { detectors } from '../../detect/registry.ts';
import { remediators } from '../../remediate/registry.ts';
import type { CliContext } from '../context.ts';

export function detectorsCommand(program: Command, { io }: CliContext): void {
  program
    .command('detectors')
    .description('list the detectors (with the anomalies they report) and the fixes this build knows')
    .action(() => {
      const lines = ['detectors:'];
      for (const d of detectors) {
        lines.push(`  ${d.name}: ${d.description}`);
        const settled: readonly string[] = d.settled ?? [];
        const open = Object.keys(d.anomalies).filter((anomaly) => !settled.includes(anomaly));
        lines.push(`    anomalies: ${open.join(', ')}`);
        if (settled.length > 0) lines.push(`    nothing to fix: ${settled.join(', ')}`);
      }
      lines.push('remediators:');
      for (const r of remediators) {
        lines.push(`  ${r.action}: ${r.description}`);
        lines.push(
          `    answers: ${r.answers === undefined ? 'any anomaly with the facts it needs' : r.answers.length === 0 ? 'none (run by hand)' : r.answers.join(', ')}; needs: ${r.needs.join(', ') || 'nothing'}`,
        );
        lines.push(
          `    rbac: ${r.permissions.map((p) => `${p.verbs.join(',')} ${p.apiGroup || 'core'}/${p.resource}`).join('; ')}`,
        );
        lines.push(`    dry-run: ${r.supportsDryRun ? 'server-side' : 'no'}; verify: ${r.verify}; undo: ${r.undo}`);
      }
      io.stdout(`${lines.join('\n')}\n`);
    });
}
