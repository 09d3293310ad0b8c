import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { loadAgentConfig, parseAgentConfig } from '../../../lib/config/agent-config.ts';
import { detectors } from '../../../lib/detect/registry.ts';
import { ConfigError } from '../../../lib/errors.ts';
import { remediators } from '../../../lib/remediate/registry.ts';

const known = { detectors: detectors.map((d) => d.name), actions: remediators.map((r) => r.action) };

describe('agent config', () => {
  it('loads the shipped config with every rule in dry-run and control-plane namespaces denied', () => {
    const config = loadAgentConfig(join(import.meta.dirname, '../../../config/agent_config.yaml'), known);

    expect(config.defaults.mode).toBe('dry-run');
    expect(config.rules.every((rule) => (rule.mode ?? config.defaults.mode) === 'dry-run')).toBe(true);
    expect(config.defaults.namespaces.deny).toEqual(expect.arrayContaining(['kube-system']));
    expect(config.ignore.map((entry) => entry.alertname)).toEqual(
      expect.arrayContaining(['Watchdog', 'InfoInhibitor', 'KubeCPUOvercommit']),
    );
  });

  it('defaults to dry-run when nothing is configured', () => {
    expect(parseAgentConfig({}, known).defaults.mode).toBe('dry-run');
  });

  it('names an unknown key', () => {
    expect(() =>
      parseAgentConfig({ rules: [{ alertname: 'X', detector: 'crash-loop', mod: 'enforce' }] }, known),
    ).toThrow(/rules\[0\]: Unrecognized key: "mod"/);
  });

  it('names an unknown detector or action and lists the known ones', () => {
    const attempt = () =>
      parseAgentConfig(
        { rules: [{ alertname: 'X', detector: 'crashloop', actions: ['rollout-restart', 'reboot'] }] },
        known,
      );

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /rules\[0\]\.detector: unknown detector "crashloop" \(known: crash-loop, container-waiting, pod-not-ready, deployment-health, /,
    );
    expect(attempt).toThrow(/rules\[0\]\.actions\[1\]: unknown action "reboot"/);
  });

  it('refuses two rules for one alertname', () => {
    const rule = { alertname: 'KubePodCrashLooping', detector: 'crash-loop' };

    expect(() => parseAgentConfig({ rules: [rule, rule] }, known)).toThrow(/rules\[1\]\.alertname: duplicate rule/);
  });

  it('refuses a mode that does not exist', () => {
    expect(() => parseAgentConfig({ defaults: { mode: 'yolo' } }, known)).toThrow(/defaults\.mode/);
  });

  it('says which file could not be read', () => {
    expect(() => loadAgentConfig('/nonexistent/agent_config.yaml', known)).toThrow(
      /cannot read agent config \/nonexistent/,
    );
  });
});
