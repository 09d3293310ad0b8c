import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where the provisioning scripts cache what they build and where stale pids are kept. */
export function cacheDir(): string {
  return process.env.KUBEMEND_CACHE ?? join(homedir(), '.cache', 'kubemend');
}

const REPO = join(import.meta.dirname, '..', '..');

/** Runs a provisioning script (idempotent, instant when cached) and returns its last line. */
export function provision(script: string): string {
  const out = execFileSync('bash', [join(REPO, 'scripts', 'testenv', script)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = out.trim().split('\n').pop();
  if (last === undefined || last === '') throw new Error(`scripts/testenv/${script} printed no path`);
  return last;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Managed {
  name: string;
  child: ChildProcess;
  log: string;
  command: string;
  args: string[];
  workDir: string;
}

const PID_FILE = () => join(cacheDir(), 'testenv', 'running.pids');

/**
 * Starts a process whose output goes to a log file, and records its pid so that a later run can
 * stop it if this one died before its teardown.
 */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  workDir: string,
  options: { appendLog?: boolean; env?: Record<string, string> } = {},
): Managed {
  const log = join(workDir, `${name}.log`);
  const stream = createWriteStream(log, { flags: options.appendLog === true ? 'a' : 'w' });
  const child = spawn(command, args, {
    cwd: workDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
  });
  child.stdout?.pipe(stream);
  child.stderr?.pipe(stream);
  if (child.pid !== undefined) {
    mkdirSync(dirname(PID_FILE()), { recursive: true });
    writeFileSync(PID_FILE(), `${child.pid} ${command}\n`, { flag: 'a' });
  }
  return { name, child, log, command, args, workDir };
}

/** Stops processes by pid: SIGTERM, then SIGKILL after a grace period. */
export async function stopProcesses(processes: readonly Managed[], graceMs = 5_000): Promise<void> {
  await Promise.all(
    [...processes].reverse().map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
  const pids = new Set(processes.map(({ child }) => String(child.pid)));
  if (existsSync(PID_FILE())) {
    const rest = readFileSync(PID_FILE(), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !pids.has(line.split(' ')[0] ?? ''));
    writeFileSync(PID_FILE(), rest.map((line) => `${line}\n`).join(''));
  }
}

/** Kills what an earlier run left behind (it crashed before its teardown). */
export function killStale(): void {
  if (!existsSync(PID_FILE())) return;
  for (const line of readFileSync(PID_FILE(), 'utf8').split('\n')) {
    const [pid, command] = line.split(' ');
    if (pid === undefined || pid === '' || command === undefined) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      // Only a process that still runs the binary we started; pids are reused.
      if (cmdline.startsWith(command)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  writeFileSync(PID_FILE(), '');
}

/** Waits until `probe` resolves true; fails with the tail of the process log otherwise. */
export async function waitFor(what: Managed, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (what.child.exitCode !== null) {
      throw new Error(`${what.name} exited with ${what.child.exitCode}:\n${tail(what.log)}`);
    }
    try {
      if (await probe()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`${what.name} not ready after ${timeoutMs} ms:\n${tail(what.log)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
