import { ValidationError } from '../errors.ts';

/** A Kubernetes quantity as the config accepts it (`512Mi`, `4Gi`, `1.5T`). */
export const QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;

const UNITS: Record<string, number> = {
  '': 1,
  m: 1e-3,
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

/** A Kubernetes quantity (`500m`, `1.5Gi`, `2k`) as a number; NaN when it is not one. */
export function quantity(value: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(value.trim());
  if (match === null) return Number.NaN;
  return Number(match[1]) * (UNITS[match[2] ?? ''] ?? Number.NaN);
}

/** Bytes in a Kubernetes quantity such as `512Mi`, `1.5Gi`, `1G` or `1048576`. */
export function parseBytes(value: string): number {
  const bytes = quantity(value);
  if (!Number.isFinite(bytes)) throw new ValidationError(`not a byte quantity: "${value}"`);
  return bytes;
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
