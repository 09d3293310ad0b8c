import { quantity } from '../kube/quantity.ts';
import type { Mode } from '../domain/types.ts';
import { effectiveLimits, type AgentConfig, type NamespaceFilter, type Rule } from './agent-config.ts';

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

const CAUTION: Record<Mode, number> = { observe: 0, 'dry-run': 1, enforce: 2 };
const LIMIT_KEYS = [
  'maxReplicas',
  'maxHpaReplicas',
  'memoryFactor',
  'maxMemory',
  'storageFactor',
  'maxStorage',
  'drainTimeoutSeconds',
] as const;

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
    const widens = from !== undefined && (to === undefined || CAUTION[to] > CAUTION[from]);
    add(
      `defaults.namespaceModes[${pattern}]`,
      from,
      to,
      widens,
      to === undefined ? 'cap removed: rules run in their own mode here' : modeNote,
    );
  }
  // Numbers under defaults, and which way widens what kubemend may do.
  const numbers: [string, (config: AgentConfig) => number, 'higher' | 'lower' | 'none'][] = [
    ['defaults.maxUnavailableShare', (c) => c.defaults.maxUnavailableShare, 'higher'],
    ['defaults.cooldownMinutes', (c) => c.defaults.cooldownMinutes, 'lower'],
    ['defaults.caps.perNamespace', (c) => c.defaults.caps.perNamespace, 'higher'],
    ['defaults.caps.perCluster', (c) => c.defaults.caps.perCluster, 'higher'],
    ['defaults.caps.windowMinutes', (c) => c.defaults.caps.windowMinutes, 'lower'],
  ];
  for (const [path, read, wider] of numbers) {
    compareNumber(path, base === undefined ? undefined : read(base), read(after), wider, add);
  }
  compareLimits('defaults.limits', base?.defaults.limits, after.defaults.limits, add);
  compareNumber(
    'defaults.verify.timeoutSeconds',
    base?.defaults.verify.timeoutSeconds,
    after.defaults.verify.timeoutSeconds,
    'none',
    add,
  );

  // Approvals, opt-out, kill switch.
  for (const action of base?.approval.actions ?? []) {
    if (!after.approval.actions.includes(action))
      add('approval.actions', action, undefined, true, `enforced ${action} fixes no longer wait for a person`);
  }
  for (const action of after.approval.actions) {
    if (base !== undefined && !base.approval.actions.includes(action))
      add('approval.actions', undefined, action, false, `enforced ${action} fixes now wait for a person`);
  }
  compareNumber('approval.expiresMinutes', base?.approval.expiresMinutes, after.approval.expiresMinutes, 'higher', add);
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
      `${rule.detector} ${show(rule.actions)}`,
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
  return from === undefined ? to === 'enforce' : CAUTION[to] > CAUTION[from];
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
    const acts = rule.actions.length > 0;
    add(
      at,
      undefined,
      `${rule.detector}, ${newMode}${acts ? `, fixes ${rule.actions.join(', ')}` : ''}`,
      acts && newMode !== 'observe',
      acts ? 'new rule that may apply fixes' : 'new rule, diagnosis only',
    );
    return;
  }
  const oldMode = old.mode ?? baseConfig?.defaults.mode ?? 'dry-run';
  if (oldMode !== newMode) add(`${at}.mode`, oldMode, newMode, raises(oldMode, newMode), modeNote);
  if (old.detector !== rule.detector)
    add(`${at}.detector`, old.detector, rule.detector, false, 'another detector diagnoses it');
  for (const action of rule.actions) {
    if (!old.actions.includes(action)) add(`${at}.actions`, undefined, action, true, `fix ${action} newly enabled`);
  }
  for (const action of old.actions) {
    if (!rule.actions.includes(action)) add(`${at}.actions`, action, undefined, false, `fix ${action} disabled`);
  }
  if (old.requireApproval === true && rule.requireApproval !== true) {
    add(`${at}.requireApproval`, true, rule.requireApproval, true, 'enforced fixes no longer wait for a person');
  } else if (old.requireApproval !== true && rule.requireApproval === true) {
    add(`${at}.requireApproval`, old.requireApproval, true, false, 'enforced fixes now wait for a person');
  }
  const oldCooldown = old.cooldownMinutes ?? baseConfig?.defaults.cooldownMinutes;
  const newCooldown = rule.cooldownMinutes ?? afterConfig.defaults.cooldownMinutes;
  if (oldCooldown !== newCooldown) compareNumber(`${at}.cooldownMinutes`, oldCooldown, newCooldown, 'lower', add);
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
    compareLimits(
      `${at}.limits (effective)`,
      effectiveLimits(baseConfig, old),
      effectiveLimits(afterConfig, rule),
      add,
    );
  }
}

/** Namespaces: a deny entry removed, an allow entry added, or the allow-list dropped, opens more. */
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
  if (before.allow !== undefined && after.allow === undefined) {
    add(`${path}.allow`, before.allow, undefined, true, 'allow-list removed: every namespace not denied is open');
  } else if (after.allow !== undefined) {
    const previous = before.allow;
    if (previous === undefined) {
      add(`${path}.allow`, undefined, after.allow, false, 'an allow-list now limits the namespaces');
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

function compareLimits(
  path: string,
  before: Record<(typeof LIMIT_KEYS)[number], number | string> | undefined,
  after: Record<(typeof LIMIT_KEYS)[number], number | string>,
  add: Add,
): void {
  for (const key of LIMIT_KEYS) {
    const from = before?.[key];
    const to = after[key];
    if (from === to) continue;
    const size = (value: number | string) => (typeof value === 'number' ? value : quantity(value));
    const widens = from !== undefined && size(to) > size(from);
    add(
      `${path}.${key}`,
      from,
      to,
      widens,
      from === undefined ? 'set' : widens ? 'fixes may go further' : 'fixes stay within less',
    );
  }
}

/** `wider`: which direction lets kubemend do more ('none': neither, reported only). */
function compareNumber(
  path: string,
  before: number | undefined,
  after: number,
  wider: 'higher' | 'lower' | 'none',
  add: Add,
): void {
  if (before === undefined || before === after) return;
  const widens = wider === 'higher' ? after > before : wider === 'lower' ? after < before : false;
  add(path, before, after, widens, widens ? 'kubemend may act more or sooner' : 'changed');
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
