import type * as z from 'zod';

import { MODE_REACH, type Mode } from '../domain/types.ts';
import { widening } from '../domain/widening.ts';
import { quantity } from '../kube/quantity.ts';
import { LimitsSchema } from '../remediate/registry.ts';
import {
  ANY_ANOMALY,
  AgentConfigSchema,
  effectiveLimits,
  enabledFixes,
  fixesFor,
  type AgentConfig,
  type NamespaceFilter,
  type Rule,
} from './agent-config.ts';

/** One difference between two agent configurations, and whether it lets kubemend do more. */
export interface ConfigChange {
  /** Where, e.g. `rules[KubePodCrashLooping].actions`. */
  path: string;
  before: string;
  after: string;
  /** True when the change widens what kubemend may do (reviewers must see these). */
  widens: boolean;
  /** Why it widens or narrows, in words. */
  note: string;
}

const show = (value: unknown): string =>
  value === undefined ? '(unset)' : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * Compares two validated agent configurations (`before` undefined: the file is new) and lists what
 * changed, marking each change that widens what kubemend may do: a rule or namespace moved towards
 * enforce, a fix newly enabled, a limit or cap raised, a cooldown shortened, an approval removed,
 * namespaces opened (allow-list grown or dropped, deny-list shrunk), a selector loosened, a
 * cluster added, the kill switch turned off.
 */
export function compareAgentConfigs(before: AgentConfig | undefined, after: AgentConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  const add = (path: string, from: unknown, to: unknown, widens: boolean, note: string) =>
    changes.push({ path, before: show(from), after: show(to), widens, note });
  const base: AgentConfig | undefined = before;

  // Defaults.
  const oldMode = base?.defaults.mode;
  if (oldMode !== after.defaults.mode) {
    add('defaults.mode', oldMode, after.defaults.mode, raises(oldMode, after.defaults.mode), modeNote);
  }
  compareFilter('defaults.namespaces', base?.defaults.namespaces, after.defaults.namespaces, base === undefined, add);
  const patterns = new Set([
    ...Object.keys(base?.defaults.namespaceModes ?? {}),
    ...Object.keys(after.defaults.namespaceModes),
  ]);
  for (const pattern of [...patterns].sort()) {
    const from = base?.defaults.namespaceModes[pattern];
    const to = after.defaults.namespaceModes[pattern];
    if (from === to) continue;
    // A namespace mode caps rules there: dropping or raising the cap lets them go further.
    const widens = from !== undefined && (to === undefined || MODE_REACH[to] > MODE_REACH[from]);
    add(
      `defaults.namespaceModes[${pattern}]`,
      from,
      to,
      widens,
      to === undefined ? 'cap removed: rules run in their own mode here' : modeNote,
    );
  }
  // Every setting under defaults whose schema says which way widens (limits, caps, cooldown, share).
  compareSettings('defaults', AgentConfigSchema.shape.defaults, base?.defaults, after.defaults, add);

  // Approvals, opt-out, kill switch.
  for (const action of base?.approval.actions ?? []) {
    if (!after.approval.actions.includes(action))
      add('approval.actions', action, undefined, true, `enforced ${action} fixes no longer wait for a person`);
  }
  for (const action of after.approval.actions) {
    if (base !== undefined && !base.approval.actions.includes(action))
      add('approval.actions', undefined, action, false, `enforced ${action} fixes now wait for a person`);
  }
  compareSettings('approval', AgentConfigSchema.shape.approval, base?.approval, after.approval, add);
  if (base !== undefined && base.optOutAnnotation !== after.optOutAnnotation) {
    add(
      'optOutAnnotation',
      base.optOutAnnotation,
      after.optOutAnnotation,
      true,
      'objects opted out with the old annotation are no longer protected',
    );
  }
  if (base?.killSwitch === true && !after.killSwitch) add('killSwitch', true, false, true, 'writes are allowed again');
  if (base !== undefined && !base.killSwitch && after.killSwitch)
    add('killSwitch', false, true, false, 'every write stops');

  // Clusters kubemend may reach.
  const oldClusters = new Map((base?.clusters ?? []).map((cluster) => [cluster.name, cluster]));
  for (const cluster of after.clusters) {
    const old = oldClusters.get(cluster.name);
    if (old === undefined)
      add(`clusters[${cluster.name}]`, undefined, 'added', true, 'kubemend may reach a new cluster');
    else if (JSON.stringify(old) !== JSON.stringify(cluster))
      add(
        `clusters[${cluster.name}]`,
        old,
        cluster,
        true,
        'how kubemend reaches this cluster changed (roles, endpoint)',
      );
    oldClusters.delete(cluster.name);
  }
  for (const name of oldClusters.keys()) add(`clusters[${name}]`, 'present', undefined, false, 'cluster removed');

  // Rules.
  const oldRules = new Map((base?.rules ?? []).map((rule) => [rule.alertname, rule]));
  for (const rule of after.rules) {
    const old = oldRules.get(rule.alertname);
    oldRules.delete(rule.alertname);
    compareRule(base, old, after, rule, add);
  }
  for (const [name, rule] of oldRules) {
    add(
      `rules[${name}]`,
      `${rule.detector} ${show(enabledFixes(rule))}`,
      undefined,
      false,
      'rule removed: the alert is no longer handled',
    );
  }
  return changes;
}

type Add = (path: string, from: unknown, to: unknown, widens: boolean, note: string) => void;

const modeNote = 'observe < dry-run < enforce: only enforce writes';

/** Towards enforce; for a new file, only enforce itself is called out. */
function raises(from: Mode | undefined, to: Mode): boolean {
  return from === undefined ? to === 'enforce' : MODE_REACH[to] > MODE_REACH[from];
}

function compareRule(
  baseConfig: AgentConfig | undefined,
  old: Rule | undefined,
  afterConfig: AgentConfig,
  rule: Rule,
  add: Add,
): void {
  const at = `rules[${rule.alertname}]`;
  const newMode = rule.mode ?? afterConfig.defaults.mode;
  if (old === undefined) {
    const fixes = enabledFixes(rule);
    add(
      at,
      undefined,
      `${rule.detector}, ${newMode}${fixes.length > 0 ? `, fixes ${fixes.join(', ')}` : ''}`,
      fixes.length > 0 && newMode !== 'observe',
      fixes.length > 0 ? 'new rule that may apply fixes' : 'new rule, diagnosis only',
    );
    return;
  }
  const oldMode = old.mode ?? baseConfig?.defaults.mode ?? 'dry-run';
  if (oldMode !== newMode) add(`${at}.mode`, oldMode, newMode, raises(oldMode, newMode), modeNote);
  if (old.detector !== rule.detector)
    add(`${at}.detector`, old.detector, rule.detector, false, 'another detector diagnoses it');
  compareFixes(at, old, rule, add);
  if (old.requireApproval === true && rule.requireApproval !== true) {
    add(`${at}.requireApproval`, true, rule.requireApproval, true, 'enforced fixes no longer wait for a person');
  } else if (old.requireApproval !== true && rule.requireApproval === true) {
    add(`${at}.requireApproval`, old.requireApproval, true, false, 'enforced fixes now wait for a person');
  }
  const oldCooldown = old.cooldownMinutes ?? baseConfig?.defaults.cooldownMinutes;
  const newCooldown = rule.cooldownMinutes ?? afterConfig.defaults.cooldownMinutes;
  if (oldCooldown !== undefined && oldCooldown !== newCooldown) {
    const sooner = newCooldown < oldCooldown;
    add(
      `${at}.cooldownMinutes`,
      oldCooldown,
      newCooldown,
      sooner,
      sooner ? 'the same target may be fixed again sooner' : 'changed',
    );
  }
  compareFilter(`${at}.namespaces`, old.namespaces ?? {}, rule.namespaces ?? {}, false, add);
  const oldSelector = old.selector ?? {};
  const newSelector = rule.selector ?? {};
  for (const [key, value] of Object.entries(oldSelector)) {
    if (newSelector[key] !== value)
      add(`${at}.selector.${key}`, value, newSelector[key], true, 'the rule matches more targets');
  }
  for (const [key, value] of Object.entries(newSelector)) {
    if (!(key in oldSelector)) add(`${at}.selector.${key}`, undefined, value, false, 'the rule matches fewer targets');
  }
  if (baseConfig !== undefined) {
    compareSettings(
      `${at}.limits (effective)`,
      LimitsSchema,
      effectiveLimits(baseConfig, old),
      effectiveLimits(afterConfig, rule),
      add,
    );
  }
}

/** Namespaces: a deny entry removed, an allow entry or an allow-list added, opens more. */
function compareFilter(
  path: string,
  before: NamespaceFilter | undefined,
  after: NamespaceFilter,
  isNew: boolean,
  add: Add,
): void {
  if (isNew || before === undefined) {
    if (after.deny !== undefined)
      add(`${path}.deny`, undefined, after.deny, false, 'namespaces kubemend never writes to');
    if (after.allow !== undefined)
      add(`${path}.allow`, undefined, after.allow, false, 'the only namespaces kubemend writes to');
    return;
  }
  for (const ns of before.deny ?? []) {
    if (!(after.deny ?? []).includes(ns))
      add(`${path}.deny`, ns, undefined, true, `namespace ${ns} is no longer denied`);
  }
  for (const ns of after.deny ?? []) {
    if (!(before.deny ?? []).includes(ns)) add(`${path}.deny`, undefined, ns, false, `namespace ${ns} is now denied`);
  }
  // An allow list is where the remediator is bound and where a rule may enforce: a list added
  // opens writes there, a list removed leaves kubemend bound nowhere (dry-runs only).
  if (before.allow !== undefined && after.allow === undefined) {
    add(
      `${path}.allow`,
      before.allow,
      undefined,
      false,
      'allow-list removed: kubemend is bound nowhere and may not enforce (dry-runs plan in every namespace not denied)',
    );
  } else if (after.allow !== undefined) {
    const previous = before.allow;
    if (previous === undefined) {
      add(
        `${path}.allow`,
        undefined,
        after.allow,
        true,
        after.allow.some((ns) => ns.includes('*'))
          ? 'an allow-list with a pattern binds kubemend cluster-wide and lets rules enforce'
          : 'an allow-list binds kubemend in these namespaces and lets rules enforce there',
      );
    } else {
      for (const ns of after.allow) {
        if (!previous.includes(ns))
          add(`${path}.allow`, undefined, ns, true, `namespace ${ns} added to the allow-list`);
      }
      for (const ns of previous) {
        if (!after.allow.includes(ns))
          add(`${path}.allow`, ns, undefined, false, `namespace ${ns} left the allow-list`);
      }
    }
  }
}

/**
 * The fixes that answer each anomaly, as the remediator resolves them (the anomaly's own entry,
 * else `'*'`): a fix that newly answers an anomaly widens, and so does a new order (the first fix
 * that plans is the one that runs); a fix that no longer answers narrows. Compared: each anomaly
 * either rule names, then `'*'`, which stands for every anomaly neither names (whatever the
 * detector reports, now or in a later build).
 */
function compareFixes(at: string, old: Rule, rule: Rule, add: Add): void {
  const anomalies = [...new Set([...Object.keys(old.fixes), ...Object.keys(rule.fixes)])]
    .filter((anomaly) => anomaly !== ANY_ANOMALY)
    .sort();
  for (const anomaly of [...anomalies, ANY_ANOMALY]) {
    const path = `${at}.fixes.${anomaly}`;
    const before = fixesFor(old, anomaly);
    const after = fixesFor(rule, anomaly);
    const which = anomaly === ANY_ANOMALY ? 'every anomaly not named' : anomaly;
    for (const fix of after) {
      if (!before.includes(fix)) add(path, undefined, fix, true, `fix ${fix} newly answers ${which}`);
    }
    for (const fix of before) {
      if (!after.includes(fix)) add(path, fix, undefined, false, `fix ${fix} no longer answers ${which}`);
    }
    const kept = (list: readonly string[], other: readonly string[]) => list.filter((fix) => other.includes(fix));
    if (kept(before, after).join() !== kept(after, before).join()) {
      add(path, before.join(', '), after.join(', '), true, `the fixes for ${which} are tried in another order`);
    }
  }
}

/**
 * Compares every setting under `schema` registered with the direction that widens
 * (lib/domain/widening.ts), walking nested objects: a new setting is compared as soon as its
 * schema says which way widens.
 */
function compareSettings(path: string, schema: z.ZodType, before: unknown, after: unknown, add: Add): void {
  const meta = widening.get(schema);
  if (meta === undefined) {
    const inner = unwrap(schema);
    if (inner !== schema) return compareSettings(path, inner, before, after, add);
    const shape = (inner as { shape?: Record<string, z.ZodType> }).shape ?? {};
    for (const [key, child] of Object.entries(shape)) {
      compareSettings(`${path}.${key}`, child, field(before, key), field(after, key), add);
    }
    return;
  }
  if (before === undefined || before === after || typeof before !== typeof after) return;
  const size = (value: unknown) => (typeof value === 'number' ? value : quantity(String(value)));
  const more = size(after) > size(before);
  const widens = meta.widens === 'higher' ? more : meta.widens === 'lower' ? !more : false;
  add(path, before, after, widens, widens ? 'kubemend may act more, further or sooner' : 'changed');
}

/** The schema inside a `.default()` or `.optional()`. */
function unwrap(schema: z.ZodType): z.ZodType {
  const def = (schema as { def?: { type?: string; innerType?: z.ZodType } }).def;
  const wrapper = def?.type === 'default' || def?.type === 'optional' || def?.type === 'prefault';
  return wrapper && def.innerType !== undefined ? def.innerType : schema;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** A Markdown section for one configuration: widenings first, called out, then other changes. */
export function formatChangesMarkdown(title: string, changes: ConfigChange[]): string {
  const widenings = changes.filter((change) => change.widens);
  const lines = [`### ${title}`, ''];
  if (changes.length === 0) return [...lines, 'No change.', ''].join('\n');
  if (widenings.length > 0) {
    lines.push(
      `> [!WARNING]`,
      `> **${widenings.length} change${widenings.length === 1 ? '' : 's'} widen${widenings.length === 1 ? 's' : ''} what kubemend may do.** Review them before approving.`,
      '',
    );
  } else {
    lines.push('No change widens what kubemend may do.', '');
  }
  lines.push('| | setting | before | after | why |', '| --- | --- | --- | --- | --- |');
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  for (const change of [...widenings, ...changes.filter((c) => !c.widens)]) {
    lines.push(
      `| ${change.widens ? '⚠️ widens' : ''} | \`${cell(change.path)}\` | ${cell(change.before)} | ${cell(change.after)} | ${cell(change.note)} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
