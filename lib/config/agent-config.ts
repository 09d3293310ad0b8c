import { readFileSync } from 'node:fs';

import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

import { formatIssue } from '../alert/schema.ts';
import { ModeSchema } from '../domain/types.ts';
import { ConfigError } from '../errors.ts';

const NamespaceFilterSchema = z
  .object({
    allow: z.array(z.string().min(1)).optional(),
    deny: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const RuleSchema = z
  .object({
    alertname: z.string().min(1),
    detector: z.string().min(1),
    mode: ModeSchema.optional(),
    actions: z.array(z.string().min(1)).default([]),
    namespaces: NamespaceFilterSchema.optional(),
  })
  .strict();

export const AgentConfigSchema = z
  .object({
    defaults: z
      .object({
        mode: ModeSchema.default('dry-run'),
        namespaces: NamespaceFilterSchema.default({}),
      })
      .strict()
      .default({ mode: 'dry-run', namespaces: {} }),
    optOutAnnotation: z.string().min(1).default('kubemend.io/opt-out'),
    clusterLabel: z.string().min(1).default('cluster'),
    ignore: z.array(z.object({ alertname: z.string().min(1), reason: z.string().min(1) }).strict()).default([]),
    rules: z.array(RuleSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.rules.forEach((rule, index) => {
      if (seen.has(rule.alertname)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'alertname'],
          message: `duplicate rule for ${rule.alertname}`,
        });
      }
      seen.add(rule.alertname);
    });
  });

export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type Rule = z.infer<typeof RuleSchema>;
export type NamespaceFilter = z.infer<typeof NamespaceFilterSchema>;

/**
 * Validates a parsed configuration against the schema and the units the build knows.
 * `known` lists registered detector names and remediator actions so a typo fails at start-up.
 */
export function parseAgentConfig(
  raw: unknown,
  known: { detectors: readonly string[]; actions: readonly string[] },
  source = 'agent config',
): AgentConfig {
  const result = AgentConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ConfigError(`${source}: ${result.error.issues.map(formatIssue).join('; ')}`);
  }
  const problems: string[] = [];
  result.data.rules.forEach((rule, index) => {
    if (!known.detectors.includes(rule.detector)) {
      problems.push(
        `rules[${index}].detector: unknown detector "${rule.detector}" (known: ${known.detectors.join(', ')})`,
      );
    }
    rule.actions.forEach((action, actionIndex) => {
      if (!known.actions.includes(action)) {
        problems.push(
          `rules[${index}].actions[${actionIndex}]: unknown action "${action}" (known: ${known.actions.join(', ')})`,
        );
      }
    });
  });
  if (problems.length > 0) throw new ConfigError(`${source}: ${problems.join('; ')}`);
  return result.data;
}

/** Reads and validates a YAML configuration file. */
export function loadAgentConfig(
  path: string,
  known: { detectors: readonly string[]; actions: readonly string[] },
): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read agent config ${path}: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`agent config ${path} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  return parseAgentConfig(raw, known, path);
}

/** The rule for an alertname, or undefined when no rule covers it. */
export function findRule(config: AgentConfig, alertname: string | undefined): Rule | undefined {
  return alertname === undefined ? undefined : config.rules.find((rule) => rule.alertname === alertname);
}
