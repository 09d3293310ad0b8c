import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';

import { detectors } from '../../lib/detect/registry.ts';
import { renderRbac, toPolicyRules, type PolicyRule } from '../../lib/rbac.ts';
import { remediators } from '../../lib/remediate/registry.ts';

const committed = readFileSync(join(import.meta.dirname, '../../infra/kubernetes/rbac.yaml'), 'utf8');

function rulesOf(name: string): PolicyRule[] {
  const role = parseAllDocuments(committed)
    .map((document) => document.toJS() as { kind: string; metadata: { name: string }; rules?: PolicyRule[] })
    .find((document) => document.kind === 'ClusterRole' && document.metadata.name === name);
  if (role?.rules === undefined) throw new Error(`no ClusterRole ${name}`);
  return role.rules;
}

describe('generated RBAC', () => {
  it('is what the code declares (run `npm run rbac` after changing a detector or remediator)', () => {
    expect(committed).toBe(renderRbac(detectors, remediators));
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
    expect(rules).toEqual(toPolicyRules(remediators.flatMap((remediator) => remediator.permissions)));
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
