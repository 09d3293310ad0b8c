import { ValidationError } from '../errors.ts';

/** A Kubernetes quantity as the config accepts it (`512Mi`, `4Gi`, `1.5T`). */
export const QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;

const UNITS: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * A Kubernetes quantity as a number, in any of the API's three notations — binary suffixes
 * (`1.5Gi`), decimal suffixes (`500m`, `2k`) or a decimal exponent (`5e8`, `500e6`, which a
 * quantity written that way keeps when the API server returns it); NaN when it is not one.
 */
export function quantity(value: string): number {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|([a-zA-Z]*))$/.exec(value.trim());
  if (match === null) return Number.NaN;
  const number = Number(match[1]);
  if (match[2] !== undefined) return number * 10 ** Number(match[2]);
  return number * (UNITS[match[3] ?? ''] ?? Number.NaN);
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
