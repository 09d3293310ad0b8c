// The tests edit the YAML as plain data, as a person edits the file, before the real parser reads it.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';

import { parseAgentConfigText, type AgentConfig } from '../../../lib/config/agent-config.ts';
import { compareAgentConfigs, formatChangesMarkdown, type ConfigChange } from '../../../lib/config/widening.ts';
import { detectors } from '../../../lib/detect/registry.ts';
import { remediators } from '../../../lib/remediate/registry.ts';

const KNOWN = { detectors: detectors.map((d) => d.name), actions: remediators.map((r) => r.action) };
const root = join(import.meta.dirname, '../../..');
const shippedText = readFileSync(join(root, 'config/stages/prod/agent_config.yaml'), 'utf8');
const shipped = parseAgentConfigText(shippedText, KNOWN, 'prod');

type Raw = Record<string, any>;

/** The shipped prod config as YAML, edited, then parsed and validated like the functions do. */
function edited(edit: (raw: Raw) => void): AgentConfig {
  const raw = parse(shippedText) as Raw;
  edit(raw);
  return parseAgentConfigText(stringify(raw), KNOWN, 'edited');
}

function rule(raw: Raw, alertname: string): Raw {
  return (raw.rules as Raw[]).find((r) => r.alertname === alertname)!;
}

const widening = (changes: ConfigChange[]) =>
  changes.filter((c) => c.widens).map((c) => `${c.path}: ${c.before} → ${c.after}`);

describe('config changes that widen what kubemend may do', () => {
  it('finds nothing between a config and itself, and every stage file is valid', () => {
    expect(compareAgentConfigs(shipped, shipped)).toEqual([]);
    for (const stage of ['dev', 'staging', 'prod']) {
      const text = readFileSync(join(root, `config/stages/${stage}/agent_config.yaml`), 'utf8');
      expect(() => parseAgentConfigText(text, KNOWN, stage)).not.toThrow();
    }
  });

  it('calls out a rule moved to enforce and a namespace cap raised or removed', () => {
    const after = edited((raw) => {
      rule(raw, 'KubePodCrashLooping').mode = 'enforce';
      raw.defaults.namespaceModes = { 'team-*': 'enforce', legacy: 'observe' };
    });
    const before = edited((raw) => {
      raw.defaults.namespaceModes = { 'team-*': 'dry-run', payments: 'observe', legacy: 'dry-run' };
    });

    expect(widening(compareAgentConfigs(before, after))).toEqual([
      'defaults.namespaceModes[payments]: observe → (unset)',
      'defaults.namespaceModes[team-*]: dry-run → enforce',
      'rules[KubePodCrashLooping].mode: dry-run → enforce',
    ]);
    // Lowering a namespace to observe narrows: reported, not called out.
    expect(compareAgentConfigs(before, after)).toContainEqual(
      expect.objectContaining({ path: 'defaults.namespaceModes[legacy]', widens: false }),
    );
  });

  it('calls out the default mode raised, which moves every rule without a mode', () => {
    const after = edited((raw) => (raw.defaults.mode = 'enforce'));
    const changes = widening(compareAgentConfigs(shipped, after));

    expect(changes).toContain('defaults.mode: dry-run → enforce');
    expect(changes).toContain('rules[KubeJobFailed].mode: dry-run → enforce');
    // KubePodCrashLooping says dry-run itself: unchanged.
    expect(changes.some((c) => c.startsWith('rules[KubePodCrashLooping]'))).toBe(false);
  });

  it('calls out a newly enabled fix and a new rule with fixes, not a new diagnosis-only rule', () => {
    const after = edited((raw) => {
      rule(raw, 'KubeNodePressure').actions = ['cordon-node'];
      (raw.rules as Raw[]).push({ alertname: 'KubeNewAlert', detector: 'crash-loop', actions: ['delete-pod'] });
      (raw.rules as Raw[]).push({ alertname: 'KubeJustLooking', detector: 'pod-not-ready' });
    });

    expect(widening(compareAgentConfigs(shipped, after))).toEqual([
      'rules[KubeNodePressure].actions: (unset) → cordon-node',
      'rules[KubeNewAlert]: (unset) → crash-loop, dry-run, fixes delete-pod',
    ]);
  });

  it('calls out raised limits and caps, shorter cooldowns and a wider unavailable share', () => {
    const after = edited((raw) => {
      raw.defaults.limits.maxReplicas = 40;
      raw.defaults.limits.maxMemory = '8Gi';
      raw.defaults.limits.maxStorage = '512Gi'; // lower: narrows
      raw.defaults.maxUnavailableShare = 0.5;
      raw.defaults.cooldownMinutes = 5;
      raw.defaults.caps = { perNamespace: 10, perCluster: 20, windowMinutes: 60 };
      rule(raw, 'KubeHpaMaxedOut').limits = { maxHpaReplicas: 100 };
    });
    const changes = widening(compareAgentConfigs(shipped, after));

    expect(changes).toEqual(
      expect.arrayContaining([
        'defaults.limits.maxReplicas: 20 → 40',
        'defaults.limits.maxMemory: 4Gi → 8Gi',
        'defaults.maxUnavailableShare: 0.25 → 0.5',
        'defaults.cooldownMinutes: 30 → 5',
        'defaults.caps.perNamespace: 5 → 10',
        'rules[KubeHpaMaxedOut].limits (effective).maxHpaReplicas: 50 → 100',
      ]),
    );
    expect(changes.some((c) => c.includes('maxStorage'))).toBe(false);
  });

  it('calls out removed approvals and opened namespaces', () => {
    const before = edited((raw) => {
      rule(raw, 'KubeJobFailed').requireApproval = true;
      rule(raw, 'KubeHpaMaxedOut').namespaces = { allow: ['team-a'] };
    });
    const after = edited((raw) => {
      raw.approval.actions = ['drain-node', 'retry-job'];
      raw.defaults.namespaces.deny = ['kube-system', 'kube-node-lease'];
      rule(raw, 'KubeHpaMaxedOut').namespaces = { allow: ['team-a', 'team-b'] };
    });

    expect(widening(compareAgentConfigs(before, after))).toEqual([
      'defaults.namespaces.deny: kube-public → (unset)',
      'approval.actions: rollout-undo → (unset)',
      'rules[KubeJobFailed].requireApproval: true → (unset)',
      'rules[KubeHpaMaxedOut].namespaces.allow: (unset) → team-b',
    ]);
  });

  it('calls out a dropped allow-list, a loosened selector, a new cluster and the kill switch off', () => {
    const before = edited((raw) => {
      raw.killSwitch = true;
      rule(raw, 'KubePodCrashLooping').namespaces = { allow: ['shop'] };
      rule(raw, 'KubePodCrashLooping').selector = { tier: 'web' };
    });
    const after = edited((raw) => {
      raw.clusters = [{ name: 'prod-eu', kubeconfig: { context: 'prod-eu' } }];
    });

    expect(widening(compareAgentConfigs(before, after))).toEqual([
      'killSwitch: true → false',
      'clusters[prod-eu]: (unset) → added',
      'rules[KubePodCrashLooping].namespaces.allow: ["shop"] → (unset)',
      'rules[KubePodCrashLooping].selector.tier: web → (unset)',
    ]);
  });

  it('reports narrowing changes without calling them out', () => {
    const after = edited((raw) => {
      rule(raw, 'KubePodCrashLooping').actions = ['rollout-restart'];
      raw.approval.actions = ['rollout-undo', 'drain-node', 'retry-job', 'raise-memory'];
      raw.defaults.limits.maxReplicas = 10;
    });
    const changes = compareAgentConfigs(shipped, after);

    expect(changes.length).toBeGreaterThanOrEqual(4);
    expect(changes.every((c) => !c.widens)).toBe(true);
  });

  it('renders a Markdown summary that puts widenings first', () => {
    const after = edited((raw) => {
      rule(raw, 'KubePodCrashLooping').actions = ['rollout-restart'];
      rule(raw, 'KubeJobFailed').mode = 'enforce';
    });
    const text = formatChangesMarkdown('prod', compareAgentConfigs(shipped, after));

    expect(text).toContain('**1 change widens what kubemend may do.**');
    const rows = text.split('\n').filter((line) => line.startsWith('| ') && line.includes('`'));
    expect(rows[0]).toContain('⚠️ widens | `rules[KubeJobFailed].mode` | dry-run | enforce');
    expect(rows[1]).toContain('`rules[KubePodCrashLooping].actions` | delete-pod | (unset)');
    expect(formatChangesMarkdown('dev', [])).toContain('No change.');
  });
});
