import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { loadAgentConfig } from '../../../lib/config/agent-config.ts';
import { loadMixinAlerts } from '../../../lib/config/mixin-alerts.ts';
import { detectors } from '../../../lib/detect/registry.ts';
import { normaliseTable, readmeSections, readSections, renderReadme } from '../../../lib/docs/readme.ts';
import { guards } from '../../../lib/guardrails/registry.ts';
import { remediators } from '../../../lib/remediate/registry.ts';

const root = join(import.meta.dirname, '../../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const config = loadAgentConfig(join(root, 'config/agent_config.yaml'));
const generated = readmeSections({ config, detectors, remediators, mixin: loadMixinAlerts() });

describe('the README sections generated from code', () => {
  it.each(Object.keys(generated))('%s is up to date (run `npm run readme` after changing the code)', (name) => {
    const inReadme = readSections(readme, [name])[name];

    expect(inReadme).toBeDefined();
    expect(normaliseTable(inReadme!)).toBe(normaliseTable(generated[name]!));
  });

  it('lists every guard in the order the registry runs them, with its default', () => {
    const rows = generated.guardrails!.split('\n').slice(2);
    const whats = guards.map((guard) => guard.what);

    expect(rows.map((row) => whats.findIndex((what) => row.startsWith(`| ${what}`))).filter((i) => i >= 0)).toEqual(
      guards.map((_, index) => index),
    );
    expect(generated.guardrails).toContain('| deny `kube-system`, `kube-public`, `kube-node-lease` |');
  });

  it('tells a stale section from a current one', () => {
    const stale = renderReadme(readme, { ...generated, guardrails: '| guardrail | default |\n| --- | --- |' });

    expect(normaliseTable(readSections(stale, ['guardrails']).guardrails!)).not.toBe(
      normaliseTable(generated.guardrails!),
    );
  });
});
