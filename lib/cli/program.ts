import { Command } from 'commander';

import { buildInfo, formatBuildInfo } from '../version.ts';
import { approveCommand } from './commands/approve.ts';
import { auditCommand } from './commands/audit.ts';
import { completionCommand } from './commands/completion.ts';
import { configCommand } from './commands/config-validate.ts';
import { deadLettersCommand } from './commands/dead-letters.ts';
import { detectorsCommand } from './commands/detectors.ts';
import { diagnoseCommand } from './commands/diagnose.ts';
import { findingsCommand } from './commands/findings.ts';
import { historyCommand } from './commands/history.ts';
import { killSwitchCommand } from './commands/kill-switch.ts';
import { rejectCommand } from './commands/reject.ts';
import { runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { showCommand } from './commands/show.ts';
import { versionCommand } from './commands/version.ts';
import { createCliContext, type CliIo } from './context.ts';
import { terminalSafe } from './format.ts';

export type { CliIo } from './context.ts';

/** Every command, one file each under lib/cli/commands/, in the order `kubemend --help` lists them. */
const COMMANDS = [
  versionCommand,
  serveCommand,
  diagnoseCommand,
  approveCommand,
  rejectCommand,
  runCommand,
  historyCommand,
  showCommand,
  killSwitchCommand,
  deadLettersCommand,
  auditCommand,
  findingsCommand,
  configCommand,
  detectorsCommand,
  completionCommand,
];

/** The `kubemend` command line. Operators script against it: keep flags and output stable. */
export function createProgram(raw: CliIo): Command {
  // What a command prints comes partly from alerts (labels, annotations): never let it drive the
  // terminal. stderr keeps its own control characters (the progress bar's carriage return).
  const io: CliIo = { ...raw, stdout: (text) => raw.stdout(terminalSafe(text)) };
  const ctx = createCliContext(io);
  const program = new Command('kubemend')
    .description('Alertmanager-driven, guarded auto-remediation for Kubernetes')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .version(`kubemend ${formatBuildInfo(buildInfo())}`, '-v, --version', 'print the version (and git commit) and exit')
    .exitOverride();
  for (const register of COMMANDS) register(program, ctx);
  return program;
}
