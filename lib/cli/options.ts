import { InvalidArgumentError, type Command } from 'commander';

/** `30m`, `6h`, `2d` ago, or an ISO time. */
export function parseSince(value: string, now = new Date()): Date {
  const duration = /^(\d+)([mhd])$/.exec(value);
  if (duration !== null) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(duration[1]) * unit);
  }
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new InvalidArgumentError('expected a duration such as 30m, 6h, 2d, or an ISO time');
  return at;
}

/** `--param key=value`, repeated: values are JSON when they parse as JSON. */
export function collectParams(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  const raw = value.slice(at + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...previous, [value.slice(0, at)]: parsed };
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('expected a port from 0 to 65535');
  return port;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** A parser that takes one of `choices`; it carries them, so the CLI reference can list them (lib/cli/reference.ts). */
export function parseChoice<T extends string>(
  choices: readonly T[],
): ((value: string) => T) & { choices: readonly T[] } {
  const parse = (value: string): T => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return value as T;
  };
  return Object.assign(parse, { choices });
}

/** `--context` and `--kubeconfig`, as kubectl takes them, on a command that reaches a cluster through kubeconfig. */
export function withKubeOptions(command: Command, defaultContext: string | undefined): Command {
  return command
    .option('--context <name>', 'kubeconfig context (default: the current one)', defaultContext)
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)');
}
