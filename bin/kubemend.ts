import { CommanderError } from 'commander';

import { createProgram } from '../lib/cli/program.ts';
import { describeError, KubemendError } from '../lib/errors.ts';

try {
  const program = createProgram({
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    progress: process.stderr.isTTY,
    packageRoot: new URL('..', import.meta.url).pathname,
  });
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof KubemendError) {
    process.stderr.write(`kubemend: ${describeError(error).message}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
