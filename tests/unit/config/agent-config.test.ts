import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import {
  enabledFixes,
  fixesFor,
  loadAgentConfig,
  parseAgentConfig,
  parseAgentConfigText,
} from '../../../lib/config/agent-config.ts';
import { ConfigError } from '../../../lib/errors.ts';

const shipped = join(import.meta.dirname, '../../../config/agent_config.yaml');

describe('agent config', () => {
  it('loads the shipped config with every rule in dry-run and control-plane namespaces denied', () => {
    const config = loadAgentConfig(shipped);

    expect(config.defaults.mode).toBe('dry-run');
    expect(config.rules.every((rule) => (rule.mode ?? config.defaults.mode) === 'dry-run')).toBe(true);
    expect(config.defaults.namespaces.deny).toEqual(expect.arrayContaining(['kube-system']));
    expect(config.ignore.map((entry) => entry.alertname)).toEqual(
      expect.arrayContaining(['Watchdog', 'InfoInhibitor', 'KubeCPUOvercommit']),
    );
  });

  it('defaults to dry-run, with every limit a fix owns at its default, when nothing is configured', () => {
    const config = parseAgentConfig({});

    expect(config.defaults.mode).toBe('dry-run');
    expect(config.defaults.limits).toEqual({
      maxReplicas: 20,
      maxHpaReplicas: 50,
      memoryFactor: 1.5,
      maxMemory: '4Gi',
      storageFactor: 1.5,
      maxStorage: '1Ti',
      drainTimeoutSeconds: 120,
    });
  });

  it('names an unknown key, and the key it most likely meant', () => {
    expect(() => parseAgentConfig({ rules: [{ alertname: 'X', detector: 'crash-loop', mod: 'enforce' }] })).toThrow(
      'rules[0]: unknown key "mod" (did you mean "mode"?)',
    );
    expect(() => parseAgentConfig({ defaults: { limts: {} }, rulez: [] })).toThrow(
      new ConfigError(
        'agent config: defaults: unknown key "limts" (did you mean "limits"?); (top level): unknown key "rulez" (did you mean "rules"?)',
      ),
    );
  });

  it('says every problem in one pass: types, unknown keys and unknown names together', () => {
    expect(() =>
      parseAgentConfig({
        defaults: { mode: 'yolo' },
        rules: [
          { alertname: 'A', detector: 'crash-lop' },
          { alertname: 'B', detector: 'crash-loop', mode: 'sometimes' },
        ],
        approval: { actions: ['drain-nod'] },
      }),
    ).toThrow(
      new ConfigError(
        'agent config: defaults.mode: Invalid option: expected one of "observe"|"dry-run"|"enforce"; rules[1].mode: Invalid option: expected one of "observe"|"dry-run"|"enforce"; rules[0].detector: unknown detector "crash-lop" (did you mean "crash-loop"?); approval.actions[0]: unknown fix "drain-nod" (did you mean "drain-node"?)',
      ),
    );
  });

  it('tells a config written for the old `actions:` list what replaced it', () => {
    expect(() =>
      parseAgentConfig({ rules: [{ alertname: 'X', detector: 'crash-loop', actions: ['rollout-restart'] }] }),
    ).toThrow(/rules\[0\]\.actions: replaced by `fixes` \(anomaly → fix\)/);
  });

  it('takes one fix or an ordered list for an anomaly, and reads both as a list', () => {
    const config = parseAgentConfigText(
      [
        'rules:',
        '  - alertname: KubePodCrashLooping',
        '    detector: crash-loop',
        '    fixes:',
        '      oom-killed: raise-memory',
        '      crash-loop: [rollout-restart, delete-pod]',
      ].join('\n'),
      'test',
    );
    const rule = config.rules[0]!;

    expect(rule.fixes).toEqual({ 'oom-killed': ['raise-memory'], 'crash-loop': ['rollout-restart', 'delete-pod'] });
    expect(fixesFor(rule, 'crash-loop')).toEqual(['rollout-restart', 'delete-pod']);
    expect(fixesFor(rule, 'bad-rollout')).toEqual([]);
    expect(enabledFixes(rule)).toEqual(['delete-pod', 'raise-memory', 'rollout-restart']);
  });

  it("maps '*' to every anomaly not named", () => {
    const config = parseAgentConfig({
      rules: [
        {
          alertname: 'KubeDeploymentRolloutStuck',
          detector: 'deployment-health',
          fixes: { '*': 'rollout-undo', paused: [] },
        },
      ],
    });
    const rule = config.rules[0]!;

    expect(fixesFor(rule, 'bad-image')).toEqual(['rollout-undo']);
    expect(fixesFor(rule, 'paused')).toEqual([]);
  });

  it('refuses two rules for one alertname', () => {
    const rule = { alertname: 'KubePodCrashLooping', detector: 'crash-loop' };

    expect(() => parseAgentConfig({ rules: [rule, rule] })).toThrow(/rules\[1\]\.alertname: duplicate rule/);
  });

  describe('namespaces', () => {
    const rule = {
      alertname: 'KubePodCrashLooping',
      detector: 'crash-loop',
      fixes: { 'crash-loop': 'rollout-restart' },
    };

    it('refuses a rule that enforces a fix with no allow list, and says how to give one', () => {
      expect(() => parseAgentConfig({ rules: [{ ...rule, mode: 'enforce' }] })).toThrow(
        /rules\[0\]\.namespaces\.allow: KubePodCrashLooping enforces fixes but names no namespaces.*\['\*'\]/,
      );
      expect(() => parseAgentConfig({ defaults: { mode: 'enforce' }, rules: [rule] })).toThrow(
        /defaults\.namespaces\.allow: defaults\.mode enforces the fixes of KubePodCrashLooping but no namespaces are listed/,
      );
    });

    it('lets a rule enforce with its own allow list, the default one, or the explicit cluster-wide opt-in', () => {
      for (const config of [
        { rules: [{ ...rule, mode: 'enforce', namespaces: { allow: ['payments'] } }] },
        { defaults: { namespaces: { allow: ['payments'] } }, rules: [{ ...rule, mode: 'enforce' }] },
        { rules: [{ ...rule, mode: 'enforce', namespaces: { allow: ['*'] } }] },
      ]) {
        expect(parseAgentConfig(config).rules[0]!.mode).toBe('enforce');
      }
    });

    it('needs no allow list for a rule that only dry-runs, observes, or has no fix', () => {
      expect(() => parseAgentConfig({ rules: [rule] })).not.toThrow();
      expect(() => parseAgentConfig({ rules: [{ ...rule, mode: 'observe' }] })).not.toThrow();
      expect(() => parseAgentConfig({ rules: [{ ...rule, mode: 'enforce', fixes: {} }] })).not.toThrow();
    });

    it('refuses an allow pattern with * anywhere but at its end, which would match nothing', () => {
      expect(() => parseAgentConfig({ defaults: { namespaces: { allow: ['*-prod', 'team-*', '*'] } } })).toThrow(
        /defaults\.namespaces\.allow\[0\]: "\*-prod": a pattern may end with \* \(team-\*\), or be \* alone/,
      );
      expect(() => parseAgentConfig({ defaults: { namespaces: { allow: ['team-*', '*'] } } })).not.toThrow();
    });

    it('refuses a control-plane namespace in any allow list', () => {
      expect(() => parseAgentConfig({ defaults: { namespaces: { allow: ['payments', 'kube-system'] } } })).toThrow(
        /defaults\.namespaces\.allow\[1\]: kubemend never changes kube-system/,
      );
      expect(() => parseAgentConfig({ rules: [{ ...rule, namespaces: { allow: ['kube-node-lease'] } }] })).toThrow(
        /rules\[0\]\.namespaces\.allow\[0\]: kubemend never changes kube-node-lease/,
      );
    });
  });

  it('refuses a mode that does not exist', () => {
    expect(() => parseAgentConfig({ defaults: { mode: 'yolo' } })).toThrow(/defaults\.mode/);
  });

  it('refuses a limit no fix owns', () => {
    expect(() => parseAgentConfig({ defaults: { limits: { maxPods: 3 } } })).toThrow(
      /defaults\.limits: unknown key "maxPods" \(known: maxReplicas, /,
    );
  });

  it('says which file could not be read', () => {
    expect(() => loadAgentConfig('/nonexistent/agent_config.yaml')).toThrow(ConfigError);
    expect(() => loadAgentConfig('/nonexistent/agent_config.yaml')).toThrow(/cannot read agent config \/nonexistent/);
  });
});
