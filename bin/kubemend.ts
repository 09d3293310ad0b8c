import { exitOnError } from '../lib/cli/exit-codes.ts';
import { createProgram } from '../lib/cli/program.ts';

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
  const { code, message } = exitOnError(error, process.env);
  if (message !== undefined) process.stderr.write(`${message}\n`);
  process.exitCode = code;
}
