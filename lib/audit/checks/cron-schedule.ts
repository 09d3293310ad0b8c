/** `@daily` and the other macros cron accepts instead of five fields. */
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const FIELDS: readonly { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** Why a five-field cron schedule (or @macro) is invalid, or undefined when it is valid. */
export function cronScheduleProblem(schedule: string): string | undefined {
  const spec = schedule.replace(/^(CRON_)?TZ=\S+\s+/, '').trim();
  if (MACROS.has(spec.toLowerCase())) return undefined;
  // `@every <duration>` (a Go duration), which the CronJob controller's parser accepts too.
  const every = /^@every\s+(\S+)$/i.exec(spec);
  if (every !== null) {
    return /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(every[1] ?? '')
      ? undefined
      : `"${every[1] ?? ''}" is not a duration such as 1h30m`;
  }
  const fields = spec.split(/\s+/);
  if (fields.length !== 5) return `expected 5 fields, got ${fields.length}`;
  for (const [index, field] of fields.entries()) {
    const limits = FIELDS[index]!;
    for (const part of field.split(',')) {
      const [range, step] = part.split('/');
      if (step !== undefined && !/^\d+$/.test(step)) return `bad step "${step}" in the ${limits.name} field`;
      if (range === '*' || range === '?') continue;
      for (const value of (range ?? '').split('-')) {
        const numeric = /^\d+$/.test(value);
        if (!numeric && limits.names?.includes(value.toLowerCase()) !== true) {
          return `"${value}" is not valid in the ${limits.name} field`;
        }
        if (numeric && (Number(value) < limits.min || Number(value) > limits.max)) {
          return `${value} is out of range for the ${limits.name} field (${limits.min}–${limits.max})`;
        }
      }
    }
  }
  return undefined;
}
