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
