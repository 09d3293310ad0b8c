import { readFileSync } from 'node:fs';

import * as z from 'zod';

import { formatIssue } from '../alert/schema.ts';
import { parseDocument } from '../document.ts';
import { ConfigError } from '../errors.ts';

/** `90s`, `10m`, `3h`, `2d` as seconds. */
const DurationSchema = z
  .string()
  .regex(/^\d+[smhd]$/, 'expected a duration such as 10m, 3h or 2d')
  .transform((text) => Number(text.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86_400 }[text.slice(-1) as 's']);

const ModelsSchema = z
  .object({
    /** Anomalous while the value is above this. */
    threshold: z.object({ above: z.number() }).strict().optional(),
    /** Anomalous when the latest value is this many robust deviations (MAD) above the window's median. */
    baseline: z
      .object({
        robustScore: z.number().positive(),
        /** Also compare with the same time on this many previous days (seasonality). */
        previousDays: z.number().int().min(0).max(7).default(0),
      })
      .strict()
      .optional(),
    /** Growing toward `limit`: time until it is reached, if within `horizon`. */
    trend: z
      .object({ limit: z.number(), horizon: DurationSchema, minSlopePerHour: z.number().nonnegative().default(0) })
      .strict()
      .optional(),
    ewma: z
      .object({ alpha: z.number().gt(0).max(1) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((models) => Object.keys(models).length > 0, { message: 'give at least one model' });

export const SignalSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1),
    /** The alerts this signal confirms and explains. */
    alerts: z.array(z.string().min(1)).min(1),
    /** PromQL with `{{label}}` for the alert's labels (values are escaped for PromQL strings). */
    query: z.string().min(1),
    unit: z.enum(['ratio', 'bytes', 'count', 'seconds']),
    models: ModelsSchema,
    window: DurationSchema.optional(),
    /**
     * For audits: the same signal for every object at once (one series per object), whose trend
     * is forecast against `models.trend` to report what will fill within the horizon.
     */
    forecast: z
      .object({
        query: z.string().min(1),
        kind: z.string().min(1),
        namespaceLabel: z.string().min(1).default('namespace'),
        nameLabel: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((signal) => signal.forecast === undefined || signal.models.trend !== undefined, {
    message: 'a forecast needs a trend model',
    path: ['forecast'],
  });
export type Signal = z.infer<typeof SignalSchema>;

export const ModelConfigSchema = z
  .object({
    defaults: z
      .object({
        window: DurationSchema.default(10_800),
        step: DurationSchema.default(60),
        minPoints: z.number().int().positive().default(30),
        sustainedFor: DurationSchema.default(600),
      })
      .strict(),
    signals: z.array(SignalSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.signals.forEach((signal, index) => {
      if (names.has(signal.name)) {
        ctx.addIssue({ code: 'custom', path: ['signals', index, 'name'], message: `duplicate signal ${signal.name}` });
      }
      names.add(signal.name);
      if (config.defaults.sustainedFor >= (signal.window ?? config.defaults.window)) {
        ctx.addIssue({
          code: 'custom',
          path: ['signals', index],
          message: 'sustainedFor must be shorter than the window',
        });
      }
    });
  });
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export function parseModelConfigText(text: string, source: string): ModelConfig {
  let raw: unknown;
  try {
    raw = parseDocument(text);
  } catch (error) {
    throw new ConfigError(`model config ${source} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const result = ModelConfigSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`${source}: ${result.error.issues.map(formatIssue).join('; ')}`);
  return result.data;
}

export function loadModelConfig(path: string): ModelConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read model config ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseModelConfigText(text, path);
}

/**
 * The signal's PromQL with the alert's labels put in (escaped as PromQL string content), or the
 * names of the labels the alert lacks (then the signal does not apply to it).
 */
export function renderQuery(
  signal: Signal,
  labels: Readonly<Record<string, string>>,
): { query: string } | { missing: string[] } {
  const missing: string[] = [];
  const query = signal.query.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const value = Object.hasOwn(labels, name) ? labels[name] : undefined;
    if (value === undefined) {
      missing.push(name);
      return '';
    }
    return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  });
  return missing.length > 0 ? { missing: [...new Set(missing)] } : { query };
}

/** The JSON Schema of model_config.yaml as written, for editors. */
export function modelConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ModelConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'kubemend metric models (config/model_config.yaml)',
  };
}
