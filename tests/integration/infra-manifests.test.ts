import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';

import { renderRemediatorBindings, REMEDIATOR_GROUP } from '../../lib/rbac.ts';
import { admin } from '../testenv/cluster.ts';

/**
 * Every Kubernetes manifest shipped under infra/kubernetes, server-side applied with dryRun=All
 * against the test API server: schema, RBAC escalation rules and admission all run; nothing is
 * stored. The kustomization lists exactly those files.
 */
const dir = join(import.meta.dirname, '../../infra/kubernetes');
const manifests = readdirSync(dir).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');

describe('infra/kubernetes manifests', () => {
  it('are all listed in the kustomization', () => {
    const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };

    expect([...kustomization.resources].sort()).toEqual([...manifests].sort());
  });

  it.each(manifests)('%s passes a server-side dry-run apply', async (file) => {
    const shipped = readFileSync(join(dir, file), 'utf8');
    // The shipped config lists no namespaces, so its bindings bind nothing: apply what the
    // generator writes once a config lists one (and enables a node fix) instead.
    const text =
      file === 'remediator-bindings.yaml' && parseAllDocuments(shipped).length === 0
        ? renderRemediatorBindings(['default'], REMEDIATOR_GROUP, true)
        : shipped;
    const objects = parseAllDocuments(text)
      .map((document) => document.toJS() as KubernetesObject | null)
      .filter((object): object is KubernetesObject => object !== null);
    expect(objects.length).toBeGreaterThan(0);

    for (const object of objects) {
      const answer = await admin().objects.patch(
        object,
        undefined,
        'All',
        'kubemend-infra-check',
        true,
        PatchStrategy.ServerSideApply,
      );
      expect(answer.metadata?.name).toBe(object.metadata?.name);
    }
  });
});
