import { ValidationError } from '../errors.ts';

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

/** Bytes in a Kubernetes quantity such as `512Mi`, `1.5Gi`, `1G` or `1048576`. */
export function parseBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(quantity.trim());
  if (match === null) throw new ValidationError(`not a byte quantity: "${quantity}"`);
  return Number(match[1]) * UNITS[match[2] ?? '']!;
}

/** A byte count as a quantity, rounded up to whole `unit`s (`Mi` for memory, `Gi` for volumes). */
export function formatBytes(bytes: number, unit: 'Mi' | 'Gi'): string {
  return `${Math.ceil(bytes / UNITS[unit]! - 1e-9)}${unit}`;
}

/** `from` grown by `factor`, rounded up to whole `unit`s, but never above `cap`; undefined when already at the cap. */
export function grow(from: string, factor: number, cap: string, unit: 'Mi' | 'Gi'): string | undefined {
  const current = parseBytes(from);
  const ceiling = parseBytes(cap);
  if (current >= ceiling) return undefined;
  const wanted = parseBytes(formatBytes(current * factor, unit));
  return wanted >= ceiling ? cap : formatBytes(wanted, unit);
}
