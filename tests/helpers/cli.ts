import { exitOnError } from '../../lib/cli/exit-codes.ts';
import { createProgram } from '../../lib/cli/program.ts';

/**
 * Runs the kubemend CLI in process with `args`: what it printed on stdout, and its exit code (set
 * by the command, or carried by commander's exit for --version and errors).
 */
export async function runCli(args: string[], packageRoot: string): Promise<{ out: string; exitCode?: number }> {
  let out = '';
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await createProgram({ stdout: (t) => (out += t), stderr: () => undefined, env: {}, packageRoot }).parseAsync([
      'node',
      'kubemend',
      ...args,
    ]);
    return { out, exitCode: process.exitCode as number | undefined };
  } catch (error) {
    return { out, exitCode: (error as { exitCode?: number }).exitCode };
  } finally {
    process.exitCode = before;
  }
}

/**
 * Runs the CLI in process with `args` and answers as bin/kubemend.ts would end: the exit code and
 * the one line on stderr that exitOnError makes of the error a command ended with (code 0 and no
 * message when it ended without one).
 */
export async function cliExit(args: string[]): Promise<{ code: number; message?: string }> {
  const program = createProgram({ stdout: () => undefined, stderr: () => undefined, env: {}, packageRoot: '.' });
  const error = await program.parseAsync(['node', 'kubemend', ...args]).then(
    () => undefined,
    (e: unknown) => e,
  );
  return error === undefined ? { code: 0 } : exitOnError(error, {});
}
