import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';

import { detectors } from '../../lib/detect/registry.ts';
import { loadAgentConfig } from '../../lib/config/agent-config.ts';
import {
  remediatorScope,
  renderRbac,
  nodeFixesEnabled,
  renderRemediatorBindings,
  toPolicyRules,
  type PolicyRule,
} from '../../lib/rbac.ts';
import { testConfig } from '../helpers/support.ts';
import { remediators } from '../../lib/remediate/registry.ts';

const infra = join(import.meta.dirname, '../../infra/kubernetes');
const committed = readFileSync(join(infra, 'rbac.yaml'), 'utf8');

function rulesOf(name: string): PolicyRule[] {
  const role = parseAllDocuments(committed)
    .map((document) => document.toJS() as { kind: string; metadata: { name: string }; rules?: PolicyRule[] })
    .find((document) => document.kind === 'ClusterRole' && document.metadata.name === name);
  if (role?.rules === undefined) throw new Error(`no ClusterRole ${name}`);
  return role.rules;
}

describe('generated RBAC', () => {
  it('is what the code and the shipped config declare (run `npm run rbac` after changing them)', () => {
    const config = loadAgentConfig(join(import.meta.dirname, '../../config/agent_config.yaml'));

    expect(committed).toBe(renderRbac(detectors, remediators));
    expect(readFileSync(join(infra, 'remediator-bindings.yaml'), 'utf8')).toBe(
      renderRemediatorBindings(remediatorScope(config), undefined, nodeFixesEnabled(config, remediators)),
    );
  });

  it('lets the detector read no Secrets', () => {
    expect(rulesOf('kubemend-detector').some((rule) => rule.resources.includes('secrets'))).toBe(false);
  });

  it('grants each verb a remediator uses, and none that no remediator uses', () => {
    const granted = new Set(
      [...rulesOf('kubemend-remediator'), ...rulesOf('kubemend-remediator-nodes')].flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}:${verb}`)),
        ),
      ),
    );
    const used = new Set(
      remediators.flatMap((remediator) =>
        remediator.permissions.flatMap((permission) =>
          permission.verbs.map((verb) => `${permission.apiGroup}/${permission.resource}:${verb}`),
        ),
      ),
    );

    expect([...used].filter((entry) => !granted.has(entry))).toEqual([]);
    expect([...granted].filter((entry) => !used.has(entry))).toEqual([]);
  });

  it('binds the remediator per namespace when every rule lists its namespaces', () => {
    const config = testConfig({
      rules: [
        {
          alertname: 'KubePodCrashLooping',
          detector: 'crash-loop',
          fixes: { 'crash-loop': 'rollout-restart' },
          namespaces: { allow: ['payments', 'checkout'] },
        },
      ],
    });

    const documents = parseAllDocuments(renderRemediatorBindings(remediatorScope(config))).map(
      (document) => document.toJS() as { kind: string; metadata: { namespace?: string } },
    );

    expect(remediatorScope(config)).toEqual(['checkout', 'payments']);
    expect(documents.map((document) => [document.kind, document.metadata.namespace])).toEqual([
      ['RoleBinding', 'checkout'],
      ['RoleBinding', 'payments'],
    ]);
  });

  it('binds the node role cluster-wide only when a rule enables a node fix', () => {
    const rule = { alertname: 'KubeNodeNotReady', detector: 'node-health', fixes: { 'node-not-ready': 'drain-node' } };
    const bindings = (config: ReturnType<typeof testConfig>) =>
      parseAllDocuments(
        renderRemediatorBindings(remediatorScope(config), undefined, nodeFixesEnabled(config, remediators)),
      ).map((document) => (document.toJS() as { roleRef: { name: string } }).roleRef.name);

    expect(bindings(testConfig({ rules: [rule] }))).toEqual(['kubemend-remediator-nodes']);
    expect(bindings(testConfig({ rules: [{ ...rule, namespaces: { allow: ['*'] } }] }))).toEqual([
      'kubemend-remediator',
      'kubemend-remediator-nodes',
    ]);
    expect(bindings(testConfig({ rules: [{ ...rule, fixes: {} }] }))).toEqual([]);
  });

  const rule = {
    alertname: 'KubePodCrashLooping',
    detector: 'crash-loop',
    fixes: { 'crash-loop': 'rollout-restart' },
  };

  it('binds the remediator cluster-wide only when an allow list opts in with a pattern', () => {
    expect(remediatorScope(testConfig({ rules: [{ ...rule, namespaces: { allow: ['*'] } }] }))).toBe('cluster-wide');
    expect(remediatorScope(testConfig({ rules: [{ ...rule, namespaces: { allow: ['team-*'] } }] }))).toBe(
      'cluster-wide',
    );
  });

  it('binds the remediator nowhere for rules with no allow list, and never in the control plane', () => {
    expect(remediatorScope(testConfig({ rules: [rule] }))).toEqual([]);
    expect(parseAllDocuments(renderRemediatorBindings([]))).toHaveLength(0);
    expect(
      remediatorScope(testConfig({ rules: [rule, { ...rule, alertname: 'X', namespaces: { allow: ['payments'] } }] })),
    ).toEqual(['payments']);
    // A hand-built config that skipped validation still gets no binding in kube-system.
    const unchecked = {
      ...testConfig(),
      rules: [{ ...rule, fixes: { 'crash-loop': ['rollout-restart'] }, namespaces: { allow: ['kube-system', 'a'] } }],
    };
    expect(remediatorScope(unchecked)).toEqual(['a']);
  });

  it('leaves the shipped install bound in no namespace', () => {
    const documents = parseAllDocuments(
      readFileSync(join(import.meta.dirname, '../../infra/kubernetes/remediator-bindings.yaml'), 'utf8'),
    );

    expect(documents).toHaveLength(0);
  });

  it('lets the detector only read', () => {
    const verbs = rulesOf('kubemend-detector').flatMap((rule) => rule.verbs);

    expect(verbs.length).toBeGreaterThan(0);
    expect(verbs.every((verb) => ['get', 'list', 'watch'].includes(verb))).toBe(true);
  });

  it('gives the remediator no wildcard and nothing beyond what its fixes declare', () => {
    const rules = rulesOf('kubemend-remediator');
    const flat = rules.flatMap((rule) => [...rule.apiGroups, ...rule.resources, ...rule.verbs]);

    expect(flat).not.toContain('*');
    const declared = remediators.flatMap((remediator) => remediator.permissions);
    expect(rules).toEqual(toPolicyRules(declared.filter((p) => p.clusterScoped !== true)));
    // What node fixes need across the cluster is a role of its own, bound only when a rule enables one.
    expect(rulesOf('kubemend-remediator-nodes')).toEqual(
      toPolicyRules(declared.filter((p) => p.clusterScoped === true)),
    );
    expect(rules.some((rule) => rule.resources.includes('secrets'))).toBe(false);
  });

  it('merges permissions by resource', () => {
    expect(
      toPolicyRules([
        { apiGroup: 'apps', resource: 'deployments', verbs: ['patch', 'get'] },
        { apiGroup: 'apps', resource: 'deployments', verbs: ['get'] },
        { apiGroup: '', resource: 'pods', verbs: ['delete'] },
      ]),
    ).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] },
    ]);
  });
});
