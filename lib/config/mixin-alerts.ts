import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse as parseYaml } from 'yaml';
import * as z from 'zod';

import { ConfigError } from '../errors.ts';
import type { AgentConfig } from './agent-config.ts';

/**
 * The kubernetes-mixin's alert names by rule group, and the commit they were read at
 * (config/kubernetes-mixin-alerts.yaml): what kube-prometheus users receive, which the shipped
 * configuration answers one by one.
 */
export const MixinAlertsSchema = z
  .object({
    source: z.object({ repository: z.string().min(1), commit: z.string().regex(/^[0-9a-f]{40}$/) }).strict(),
    groups: z.record(z.string().min(1), z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/)).min(1)),
  })
  .strict();
export type MixinAlerts = z.infer<typeof MixinAlertsSchema>;

export const MIXIN_ALERTS_PATH = join(import.meta.dirname, '../../config/kubernetes-mixin-alerts.yaml');

export function loadMixinAlerts(path: string = MIXIN_ALERTS_PATH): MixinAlerts {
  const parsed = MixinAlertsSchema.safeParse(parseYaml(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new ConfigError(`${path}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/** How the configuration answers one alert: the detector of its rule, the reason it is ignored, or nothing. */
export type AlertAnswer = { detector: string } | { ignored: string } | undefined;

export function answerFor(config: AgentConfig, alertname: string): AlertAnswer {
  const rule = config.rules.find((r) => r.alertname === alertname);
  if (rule !== undefined) return { detector: rule.detector };
  const ignored = config.ignore.find((i) => i.alertname === alertname);
  return ignored === undefined ? undefined : { ignored: ignored.reason };
}
