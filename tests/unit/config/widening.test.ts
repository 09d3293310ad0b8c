// The tests edit the YAML as plain data, as a person edits the file, before the real parser reads it.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';

import * as z from 'zod';

import { AgentConfigSchema, parseAgentConfigText, type AgentConfig } from '../../../lib/config/agent-config.ts';
import { compareAgentConfigs, formatChangesMarkdown, type ConfigChange } from '../../../lib/config/widening.ts';
import { widening as registry } from '../../../lib/domain/widening.ts';
const root = join(import.meta.dirname, '../../..');
const shippedText = readFileSync(join(root, 'config/stages/prod/agent_config.yaml'), 'utf8');
const shipped = parseAgentConfigText(shippedText, 'prod');

type Raw = Record<string, any>;

/** The shipped prod config as YAML, edited, then parsed and validated like the functions do. */
function edited(edit: (raw: Raw) => void): AgentConfig {
  const raw = parse(shippedText) as Raw;
  edit(raw);
  return parseAgentConfigText(stringify(raw), 'edited');
}

function rule(raw: Raw, alertname: string): Raw {
  return (raw.rules as Raw[]).find((r) => r.alertname === alertname)!;
}

const widening = (changes: ConfigChange[]) =>
  changes.filter((c) => c.widens).map((c) => `${c.path}: ${c.before} → ${c.after}`);

describe('config changes that widen what kubemend may do', () => {
  it('finds nothing between two parses of one file, and every stage file is valid', () => {
    const again = parseAgentConfigText(shippedText, 'prod again');

    expect(again).not.toBe(shipped);
    expect(compareAgentConfigs(shipped, again)).toEqual([]);
    for (const stage of ['dev', 'staging', 'prod']) {
      const text = readFileSync(join(root, `config/stages/${stage}/agent_config.yaml`), 'utf8');
      expect(() => parseAgentConfigText(text, stage)).not.toThrow();
    }
  });

  it('says which way widens for every numeric setting under defaults and approval, so none is missed', () => {
    const unregistered: string[] = [];
    const walk = (path: string, schema: z.ZodType) => {
      const def = (schema as { def: { type: string; innerType?: z.ZodType } }).def;
      if (registry.get(schema) !== undefined) return;
      if ((def.type === 'default' || def.type === 'optional') && def.innerType !== undefined) {
        walk(path, def.innerType);
        return;
      }
      if (def.type === 'number') unregistered.push(path);
      if (schema instanceof z.ZodObject) {
        for (const [key, child] of Object.entries<z.ZodType>(schema.shape)) walk(`${path}.${key}`, child);
      }
    };
    walk('defaults', AgentConfigSchema.shape.defaults);
    walk('approval', AgentConfigSchema.shape.approval);

    // Only the poll interval says nothing about how far kubemend may go.
    expect(unregistered).toEqual(['defaults.verify.intervalSeconds']);
  });

  it('compares every limit the fixes own, each raised by half', () => {
    const after = edited((raw) => {
      raw.defaults.limits = {
        maxReplicas: 30,
        maxHpaReplicas: 75,
        memoryFactor: 2,
        maxMemory: '6Gi',
        storageFactor: 2,
        maxStorage: '2Ti',
        drainTimeoutSeconds: 180,
      };
    });

    expect(
      widening(compareAgentConfigs(shipped, after))
        .filter((c) => c.startsWith('defaults.limits.'))
        .sort(),
    ).toEqual([
      'defaults.limits.drainTimeoutSeconds: 120 → 180',
      'defaults.limits.maxHpaReplicas: 50 → 75',
      'defaults.limits.maxMemory: 4Gi → 6Gi',
      'defaults.limits.maxReplicas: 20 → 30',
      'defaults.limits.maxStorage: 1Ti → 2Ti',
      'defaults.limits.memoryFactor: 1.5 → 2',
      'defaults.limits.storageFactor: 1.5 → 2',
    ]);
  });

  it('calls out a rule moved to enforce and a namespace cap raised or removed', () => {
    const after = edited((raw) => {
      rule(raw, 'KubePodCrashLooping').mode = 'enforce';
      (raw.defaults.namespaces as Raw).allow = ['*'];
      raw.defaults.namespaceModes = { 'team-*': 'enforce', legacy: 'observe' };
    });
    const before = edited((raw) => {
      (raw.defaults.namespaces as Raw).allow = ['*'];
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
    const everywhere = (raw: Raw) => ((raw.defaults.namespaces as Raw).allow = ['*']);
    const after = edited((raw) => {
      everywhere(raw);
      raw.defaults.mode = 'enforce';
    });
    const changes = widening(compareAgentConfigs(edited(everywhere), after));

    expect(changes).toContain('defaults.mode: dry-run → enforce');
    expect(changes).toContain('rules[KubeJobFailed].mode: dry-run → enforce');
    // KubePodCrashLooping says dry-run itself: unchanged.
    expect(changes.some((c) => c.startsWith('rules[KubePodCrashLooping]'))).toBe(false);
  });

  it('calls out a newly enabled fix and a new rule with fixes, not a new diagnosis-only rule', () => {
    const after = edited((raw) => {
      rule(raw, 'KubeNodePressure').fixes = { 'node-pressure': 'cordon-node' };
      (raw.rules as Raw[]).push({
        alertname: 'KubeNewAlert',
        detector: 'crash-loop',
        fixes: { 'crash-loop': 'delete-pod' },
      });
      (raw.rules as Raw[]).push({ alertname: 'KubeJustLooking', detector: 'pod-not-ready' });
    });

    expect(widening(compareAgentConfigs(shipped, after))).toEqual([
      'rules[KubeNodePressure].fixes.node-pressure: (unset) → cordon-node',
      'rules[KubeNewAlert]: (unset) → crash-loop, dry-run, fixes delete-pod',
    ]);
  });

  it('resolves each anomaly as the remediator does, through the fallback, and calls out a new order', () => {
    const after = edited((raw) => {
      // An exclusion dropped: rollout-undo now answers image-pull through '*'.
      rule(raw, 'KubeDeploymentRolloutStuck').fixes = { '*': 'rollout-undo' };
      rule(raw, 'KubeDeploymentReplicasMismatch').fixes = { '*': 'rollout-undo', 'bad-image': [] };
      // oom-killed unnamed: the '*' fix rollout-restart now answers it, raise-memory no longer.
      rule(raw, 'KubePodCrashLooping').fixes = {
        '*': 'rollout-restart',
        'crash-loop': ['delete-pod', 'rollout-restart'],
      };
    });
    const before = edited((raw) => {
      rule(raw, 'KubeDeploymentRolloutStuck').fixes = { '*': 'rollout-undo', 'bad-image': [] };
      rule(raw, 'KubePodCrashLooping').fixes = {
        'oom-killed': 'raise-memory',
        'crash-loop': ['rollout-restart', 'delete-pod'],
      };
    });
    const changes = compareAgentConfigs(before, after);

    expect(widening(changes)).toEqual([
      'rules[KubePodCrashLooping].fixes.crash-loop: rollout-restart, delete-pod → delete-pod, rollout-restart',
      'rules[KubePodCrashLooping].fixes.oom-killed: (unset) → rollout-restart',
      'rules[KubePodCrashLooping].fixes.*: (unset) → rollout-restart',
      'rules[KubeDeploymentRolloutStuck].fixes.bad-image: (unset) → rollout-undo',
    ]);
    expect(changes.filter((c) => !c.widens).map((c) => `${c.path}: ${c.before} → ${c.after}`)).toEqual([
      'rules[KubePodCrashLooping].fixes.oom-killed: raise-memory → (unset)',
      'rules[KubeDeploymentReplicasMismatch].fixes.bad-image: rollout-undo → (unset)',
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

  it('calls out an allow-list added (where kubemend is then bound), a loosened selector, a new cluster and the kill switch off', () => {
    const before = edited((raw) => {
      raw.killSwitch = true;
      rule(raw, 'KubePodCrashLooping').selector = { tier: 'web' };
    });
    const after = edited((raw) => {
      raw.clusters = [{ name: 'prod-eu', kubeconfig: { context: 'prod-eu' } }];
      rule(raw, 'KubePodCrashLooping').namespaces = { allow: ['shop'] };
    });

    expect(widening(compareAgentConfigs(before, after))).toEqual([
      'killSwitch: true → false',
      'clusters[prod-eu]: (unset) → added',
      'rules[KubePodCrashLooping].namespaces.allow: (unset) → ["shop"]',
      'rules[KubePodCrashLooping].selector.tier: web → (unset)',
    ]);
    // The list dropped again leaves kubemend bound nowhere: reported, not called out.
    expect(compareAgentConfigs(after, before)).toContainEqual(
      expect.objectContaining({ path: 'rules[KubePodCrashLooping].namespaces.allow', widens: false }),
    );
  });

  it('reports narrowing changes without calling them out', () => {
    const after = edited((raw) => {
      rule(raw, 'KubePodCrashLooping').fixes = { 'crash-loop': 'rollout-restart' };
      raw.approval.actions = ['rollout-undo', 'drain-node', 'retry-job', 'raise-memory'];
      raw.defaults.limits.maxReplicas = 10;
    });
    const changes = compareAgentConfigs(shipped, after);

    expect(changes.length).toBeGreaterThanOrEqual(4);
    expect(changes.every((c) => !c.widens)).toBe(true);
  });

  it('renders a Markdown summary that puts widenings first', () => {
    const listed = (raw: Raw) => (rule(raw, 'KubeJobFailed').namespaces = { allow: ['batch'] });
    const after = edited((raw) => {
      listed(raw);
      rule(raw, 'KubePodCrashLooping').fixes = { 'crash-loop': 'rollout-restart' };
      rule(raw, 'KubeJobFailed').mode = 'enforce';
    });
    const text = formatChangesMarkdown('prod', compareAgentConfigs(edited(listed), after));

    expect(text).toContain('**1 change widens what kubemend may do.**');
    const rows = text.split('\n').filter((line) => line.startsWith('| ') && line.includes('`'));
    expect(rows[0]).toContain('⚠️ widens | `rules[KubeJobFailed].mode` | dry-run | enforce');
    expect(rows[1]).toContain('`rules[KubePodCrashLooping].fixes.crash-loop` | delete-pod | (unset)');
    expect(formatChangesMarkdown('dev', [])).toContain('No change.');
  });
});
