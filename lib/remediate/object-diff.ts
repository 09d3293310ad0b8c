/** Fields the server sets on every write, or that describe state rather than intent. */
const IGNORED = new Set([
  'metadata.resourceVersion',
  'metadata.generation',
  'metadata.managedFields',
  'metadata.creationTimestamp',
  'metadata.uid',
  'status',
]);

/**
 * The differences between a live object and what the server would write (a dry run's answer),
 * one line per changed leaf: `spec.template.metadata.annotations.x: (none) → "y"`. Values are
 * shown for spec and metadata only; env values are never shown, since they may hold secrets.
 */
export function objectDiff(before: unknown, after: unknown, path = ''): string[] {
  if (IGNORED.has(path)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => objectDiff(before[key], after[key], path === '' ? key : `${path}.${key}`));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => objectDiff(item, after[index], `${path}[${index}]`));
  }
  if (JSON.stringify(normalise(before)) === JSON.stringify(normalise(after))) return [];
  const secret = /\.env\[\d+\]/.test(path);
  return [`${path}: ${secret ? '(changed)' : `${show(before)} → ${show(after)}`}`];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function normalise(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(normalise(value));
}
