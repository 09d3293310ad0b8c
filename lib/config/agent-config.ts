import { readFileSync } from 'node:fs';

import * as z from 'zod';

import { formatIssue } from '../alert/schema.ts';
import { ModeSchema } from '../domain/types.ts';
import { widening } from '../domain/widening.ts';
import { ConfigError } from '../errors.ts';
import { parseDocument } from '../document.ts';
import { LimitsSchema, type Limits } from '../remediate/registry.ts';
import { checkUnits, REGISTERED_UNITS, suggest, type Units } from './units.ts';

const NamespaceFilterSchema = z
  .object({
    allow: z.array(z.string().min(1)).optional(),
    deny: z.array(z.string().min(1)).optional(),
  })
  .strict();

const RoleArnSchema = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  );

/** Where Slack's response URLs point: Slack and GovSlack. */
export const SLACK_RESPONSE_ORIGINS = ['https://hooks.slack.com', 'https://hooks.slack-gov.com'] as const;
/** An EKS cluster reached with an IAM-derived token, optionally through a role in its account. */
const EksClusterSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1'),
    /** The EKS cluster name, when it differs from the registry name. */
    clusterName: z.string().min(1).optional(),
    detectorRoleArn: RoleArnSchema.optional(),
    remediatorRoleArn: RoleArnSchema.optional(),
    /** The external ID the detector's role asks for (and the remediator's, unless it has its own). */
    externalId: z.string().min(2).max(1224).optional(),
    /** The external ID the remediator's role asks for, distinct from the detector's. */
    remediatorExternalId: z.string().min(2).max(1224).optional(),
    /** Both or neither; otherwise read once per container with EKS DescribeCluster. */
    endpoint: z.url({ protocol: /^https$/, error: 'expected an https URL' }).optional(),
    certificateAuthority: z.string().min(1).optional(),
  })
  .strict()
  .refine((eks) => (eks.endpoint === undefined) === (eks.certificateAuthority === undefined), {
    message: 'set both endpoint and certificateAuthority, or neither (then DescribeCluster is used)',
  });

/**
 * The Prometheus that holds a cluster's metrics. Secrets are never in the file: a bearer token or
 * basic password is read from an environment variable (local) or an SSM SecureString (AWS).
 */
const SecretRefSchema = z
  .object({ env: z.string().min(1).optional(), ssmParameter: z.string().min(1).optional() })
  .strict()
  .refine((ref) => (ref.env === undefined) !== (ref.ssmParameter === undefined), {
    message: 'set exactly one of env or ssmParameter',
  });
export const PrometheusSourceSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    auth: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('none') }).strict(),
        z.object({ type: z.literal('bearer'), token: SecretRefSchema }).strict(),
        z.object({ type: z.literal('basic'), username: z.string().min(1), password: SecretRefSchema }).strict(),
        /** Amazon Managed Service for Prometheus, with the function's (or assumed) credentials. */
        z.object({ type: z.literal('sigv4'), region: z.string().min(1) }).strict(),
      ])
      .default({ type: 'none' }),
    timeoutSeconds: z.number().int().positive().max(60).default(10),
    maxSeries: z.number().int().positive().default(50),
    maxPoints: z.number().int().positive().default(2000),
  })
  .strict();
export type PrometheusSource = z.infer<typeof PrometheusSourceSchema>;

/** A cluster reached through a kubeconfig context (kind, on-premises, local use). */
const KubeconfigClusterSchema = z.object({ context: z.string().min(1).optional() }).strict();

export const ClusterSchema = z
  .object({
    /** The value of the alert's cluster label. */
    name: z.string().min(1),
    eks: EksClusterSchema.optional(),
    kubeconfig: KubeconfigClusterSchema.optional(),
    /** Where this cluster's metrics are (the models confirm and explain with them). */
    prometheus: PrometheusSourceSchema.optional(),
  })
  .strict()
  .refine((cluster) => (cluster.eks === undefined) !== (cluster.kubeconfig === undefined), {
    message: 'set exactly one of eks or kubeconfig',
  });
export type ClusterEntry = z.infer<typeof ClusterSchema>;

/** One fix, or several tried in order (the first that plans for the diagnosis), or none (`[]`). */
const FixListSchema = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((fixes) => (typeof fixes === 'string' ? [fixes] : fixes));

/** The key of `fixes` that names every anomaly the rule's detector reports that no other key names. */
export const ANY_ANOMALY = '*';

export const RuleSchema = z
  .object({
    alertname: z.string().min(1),
    detector: z.string().min(1),
    mode: ModeSchema.optional(),
    /**
     * Which fix answers which anomaly the detector reports (`oom-killed: raise-memory`), or an
     * ordered list (the first fix that plans for the diagnosis), `'*'` for any anomaly not named,
     * `[]` for none (an anomaly kept out of `'*'`). A fix this mapping does not name never runs for
     * the rule; an anomaly it does not name is diagnosed only.
     */
    fixes: z.record(z.string().min(1), FixListSchema).default({}),
    actions: z.never({ error: 'replaced by `fixes` (anomaly → fix) in kubemend 0.2 (see CHANGELOG.md)' }).optional(),
    /** Minutes after a fix before the same target may be fixed again. */
    cooldownMinutes: z.number().int().nonnegative().optional(),
    namespaces: NamespaceFilterSchema.optional(),
    /** Enforced fixes of this rule wait for `kubemend approve` (in addition to `approval.actions`). */
    requireApproval: z.boolean().optional(),
    /** Only targets whose labels include all of these (e.g. `{ tier: web }`). */
    selector: z.record(z.string().min(1), z.string()).optional(),
    /** Overrides of `defaults.limits` for this rule. */
    limits: LimitsSchema.partial().optional(),
  })
  .strict();

const LIMIT_DEFAULTS = LimitsSchema.parse({});

export const AgentConfigSchema = z
  .object({
    defaults: z
      .object({
        mode: ModeSchema.default('dry-run'),
        namespaces: NamespaceFilterSchema.default({}),
        cooldownMinutes: z.number().int().nonnegative().default(30).register(widening, { widens: 'lower' }),
        /** Circuit breaker: at most this many applied fixes per namespace and per cluster in the window. */
        caps: z
          .object({
            perNamespace: z.number().int().positive().default(5).register(widening, { widens: 'higher' }),
            perCluster: z.number().int().positive().default(20).register(widening, { widens: 'higher' }),
            windowMinutes: z.number().int().positive().default(60).register(widening, { widens: 'lower' }),
          })
          .strict()
          .default({ perNamespace: 5, perCluster: 20, windowMinutes: 60 }),
        /**
         * Modes by namespace pattern (`*`, `team-*`, exact): where both a rule and a namespace set
         * one, the more cautious wins (observe < dry-run < enforce).
         */
        namespaceModes: z.record(z.string().min(1), ModeSchema).default({}),
        /** A fix that takes pods away never leaves more than this share of a workload's replicas unavailable. */
        maxUnavailableShare: z.number().gt(0).max(1).default(0.25).register(widening, { widens: 'higher' }),
        limits: LimitsSchema.default(LIMIT_DEFAULTS),
        /** After a write: how long to wait for the target to recover, and how often to look. */
        verify: z
          .object({
            timeoutSeconds: z.number().int().positive().max(840).default(180).register(widening, { widens: 'neither' }),
            intervalSeconds: z.number().int().positive().default(5),
          })
          .strict()
          .default({ timeoutSeconds: 180, intervalSeconds: 5 }),
      })
      .strict()
      .default({
        mode: 'dry-run',
        namespaces: {},
        cooldownMinutes: 30,
        caps: { perNamespace: 5, perCluster: 20, windowMinutes: 60 },
        namespaceModes: {},
        maxUnavailableShare: 0.25,
        limits: LIMIT_DEFAULTS,
        verify: { timeoutSeconds: 180, intervalSeconds: 5 },
      }),
    /** Enforced fixes of these actions are held for a person's approval, which expires. */
    approval: z
      .object({
        actions: z.array(z.string().min(1)).default(['rollout-undo', 'drain-node', 'retry-job']),
        expiresMinutes: z.number().int().positive().default(60).register(widening, { widens: 'higher' }),
      })
      .strict()
      .default({ actions: ['rollout-undo', 'drain-node', 'retry-job'], expiresMinutes: 60 }),
    /** Approvals from the Approve and Reject buttons of a Slack notification (the receiver's Slack route). */
    slack: z
      .object({
        /**
         * Slack user ID → the approver the record names (an e-mail, a handle). Only these may
         * approve or reject from Slack; anyone else's click is answered and changes nothing.
         */
        approvers: z
          .record(
            z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user ID such as U024BE7LH'),
            z.string().min(1).max(200),
          )
          .default({}),
        /** The origins a message's response_url may have, where the outcome is posted back: Slack's, GovSlack's. */
        responseOrigins: z
          .array(z.url({ protocol: /^https?$/ }))
          .min(1)
          .default([...SLACK_RESPONSE_ORIGINS]),
      })
      .strict()
      .default({ approvers: {}, responseOrigins: [...SLACK_RESPONSE_ORIGINS] }),
    optOutAnnotation: z.string().min(1).default('kubemend.io/opt-out'),
    /** Local kill switch: true stops every write (in AWS, an SSM parameter is the switch). */
    killSwitch: z.boolean().default(false),
    clusterLabel: z.string().min(1).default('cluster'),
    /** The clusters kubemend may reach. Empty: every alert goes to the current kubeconfig context. */
    clusters: z.array(ClusterSchema).default([]),
    /** The cluster for alerts that carry no cluster label. */
    defaultCluster: z.string().min(1).optional(),
    /** The Prometheus for clusters that name none (and for the kubeconfig context when none are listed). */
    prometheus: PrometheusSourceSchema.optional(),
    ignore: z.array(z.object({ alertname: z.string().min(1), reason: z.string().min(1) }).strict()).default([]),
    rules: z.array(RuleSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.clusters.forEach((cluster, index) => {
      if (names.has(cluster.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', index, 'name'],
          message: `duplicate cluster ${cluster.name}`,
        });
      }
      names.add(cluster.name);
    });
    if (config.defaultCluster !== undefined && !names.has(config.defaultCluster)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultCluster'],
        message: `names no cluster in clusters (${[...names].join(', ') || 'none configured'})`,
      });
    }
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
    const unlisted = config.rules.filter(
      (rule) =>
        (rule.mode ?? config.defaults.mode) === 'enforce' &&
        enabledFixes(rule).length > 0 &&
        (rule.namespaces?.allow ?? config.defaults.namespaces.allow) === undefined,
    );
    const how =
      "list the namespaces kubemend may change (`npm run rbac` binds it in each), or ['*'] to bind it cluster-wide";
    const inheriting = unlisted.filter((rule) => rule.mode === undefined).map((rule) => rule.alertname);
    if (inheriting.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaults', 'namespaces', 'allow'],
        message: `defaults.mode enforces the fixes of ${inheriting.join(', ')} but no namespaces are listed: ${how}`,
      });
    }
    for (const rule of unlisted.filter((rule) => rule.mode !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules', config.rules.indexOf(rule), 'namespaces', 'allow'],
        message: `${rule.alertname} enforces fixes but names no namespaces: ${how} (here or in defaults.namespaces.allow)`,
      });
    }
    const allowLists: [PropertyKey[], string[] | undefined][] = [
      [['defaults', 'namespaces', 'allow'], config.defaults.namespaces.allow],
      ...config.rules.map((rule, index): [PropertyKey[], string[] | undefined] => [
        ['rules', index, 'namespaces', 'allow'],
        rule.namespaces?.allow,
      ]),
    ];
    for (const [path, allow] of allowLists) {
      allow?.forEach((namespace, index) => {
        if (namespace.slice(0, -1).includes('*')) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, index],
            message: `"${namespace}": a pattern may end with * (team-*), or be * alone; nothing else matches`,
          });
        }
        if (CONTROL_PLANE_NAMESPACES.includes(namespace)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, index],
            message: `kubemend never changes ${namespace}: the admission policy refuses every write there but a drain's evictions`,
          });
        }
      });
    }
  });

/** The control plane's own namespaces: never bound, never allowed, refused by the admission policy. */
export const CONTROL_PLANE_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type Rule = z.infer<typeof RuleSchema>;
export type NamespaceFilter = z.infer<typeof NamespaceFilterSchema>;

/**
 * Validates a parsed configuration against the schema, then against the units this build knows
 * (`units`): detector and fix names, the anomalies a rule maps, and whether each mapped fix can
 * answer its anomaly with the facts the detector reports. A problem fails with every message.
 */
export function parseAgentConfig(raw: unknown, source = 'agent config', units: Units = REGISTERED_UNITS): AgentConfig {
  const result = AgentConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    // Every problem in one pass: the names in the rules that parse are checked too.
    const problems = [...result.error.issues.map(describeIssue), ...checkUnits(partialConfig(raw), units)];
    throw new ConfigError(`${source}: ${[...new Set(problems)].join('; ')}`);
  }
  const problems = checkUnits(result.data, units);
  if (problems.length > 0) throw new ConfigError(`${source}: ${problems.join('; ')}`);
  return result.data;
}

/** An issue in words; an unknown key with the key it most likely meant. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return formatIssue(issue);
  const known = keysAt(AgentConfigSchema, issue.path);
  const at = formatIssue({ ...issue, message: '' })
    .replace(/: $/, '')
    .replace(/^\(body\)$/, '(top level)');
  return issue.keys.map((key) => `${at}: unknown key "${key}"${suggest(key, known)}`).join('; ');
}

/** The keys the object schema at `path` of `schema` takes (through arrays, records, defaults and optionals). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  const unwrap = () => {
    for (;;) {
      const def = (current as { def?: { type?: string; innerType?: unknown; in?: unknown; schema?: unknown } }).def;
      if (def?.innerType !== undefined) current = def.innerType;
      else if (def?.type === 'pipe' && def.in !== undefined) current = def.in;
      else return;
    }
  };
  for (const part of path) {
    unwrap();
    const def = (
      current as { def?: { type?: string; element?: unknown; valueType?: unknown; shape?: Record<string, unknown> } }
    ).def;
    if (def?.type === 'array') current = def.element;
    else if (def?.type === 'record') current = def.valueType;
    else if (def?.type === 'object') current = def.shape?.[String(part)];
    else return [];
  }
  unwrap();
  const shape = (current as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return shape?.type === 'object' ? Object.keys(shape.shape ?? {}) : [];
}

/** What of a config that does not parse its names can still be checked by: the rules that parse on their own (holes for the others, so that indices stay) and the approval actions. */
function partialConfig(raw: unknown): AgentConfig {
  const config = (typeof raw === 'object' && raw !== null ? raw : {}) as {
    rules?: unknown;
    approval?: { actions?: unknown };
  };
  const rules: Rule[] = [];
  if (Array.isArray(config.rules)) {
    config.rules.forEach((rule, index) => {
      const parsed = RuleSchema.safeParse(rule);
      if (parsed.success) rules[index] = parsed.data;
    });
  }
  const actions = config.approval?.actions;
  return {
    rules,
    approval: { actions: Array.isArray(actions) ? actions.filter((a): a is string => typeof a === 'string') : [] },
  } as unknown as AgentConfig;
}

/** Reads and validates a YAML configuration file. */
export function loadAgentConfig(path: string, units: Units = REGISTERED_UNITS): AgentConfig {
  return parseAgentConfigText(readAgentConfigFile(path), path, units);
}

/** The text of a configuration file, or a ConfigError naming it. */
export function readAgentConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read agent config ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Configuration YAML parsed but not validated, or a ConfigError naming `source`. */
export function parseAgentConfigYaml(text: string, source: string): unknown {
  try {
    return parseDocument(text);
  } catch (error) {
    throw new ConfigError(`agent config ${source} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
}

/** Parses and validates configuration YAML from any source (a file, an SSM parameter). */
export function parseAgentConfigText(text: string, source: string, units: Units = REGISTERED_UNITS): AgentConfig {
  return parseAgentConfig(parseAgentConfigYaml(text, source), source, units);
}

/** The limits a rule's fixes stay within: the rule's overrides over the defaults. */
export function effectiveLimits(config: AgentConfig, rule: Rule | undefined): Limits {
  return { ...config.defaults.limits, ...rule?.limits };
}

/** The fixes a rule maps to an anomaly, in the order they are tried (`'*'` when none names it). */
export function fixesFor(rule: Pick<Rule, 'fixes'>, anomaly: string): readonly string[] {
  return (Object.hasOwn(rule.fixes, anomaly) ? rule.fixes[anomaly] : rule.fixes[ANY_ANOMALY]) ?? [];
}

/** The line of configuration that lets `fix` answer `anomaly` under the rule for `alertname`. */
export function enableHint(alertname: string, anomaly: string, fix: string): string {
  return `to enable: add \`${anomaly}: ${fix}\` under rules[${alertname}].fixes`;
}

/** Every fix a rule may apply, for any anomaly. */
export function enabledFixes(rule: Pick<Rule, 'fixes'>): string[] {
  return [...new Set(Object.values(rule.fixes).flat())].sort();
}

/** The rule for an alertname, or undefined when no rule covers it. */
export function findRule(config: AgentConfig, alertname: string | undefined): Rule | undefined {
  return alertname === undefined ? undefined : config.rules.find((rule) => rule.alertname === alertname);
}

/** The JSON Schema of the config file as written (defaults optional), for editors. */
export function agentConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(AgentConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'kubemend agent configuration (config/agent_config.yaml)',
  };
}
