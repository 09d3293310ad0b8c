// Writes the README's generated sections (detectors, the shipped fixes, the fixes, the guardrails)
// from the registries and config/agent_config.yaml, then formats the file with prettier.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadAgentConfig } from '../lib/config/agent-config.ts';
import { loadMixinAlerts } from '../lib/config/mixin-alerts.ts';
import { detectors } from '../lib/detect/registry.ts';
import { readmeSections, renderReadme } from '../lib/docs/readme.ts';
import { remediators } from '../lib/remediate/registry.ts';

const root = join(import.meta.dirname, '..');
const path = join(root, 'README.md');
const config = loadAgentConfig(join(root, 'config/agent_config.yaml'));
writeFileSync(
  path,
  renderReadme(
    readFileSync(path, 'utf8'),
    readmeSections({ config, detectors, remediators, mixin: loadMixinAlerts() }),
  ),
);
execFileSync(join(root, 'node_modules/.bin/prettier'), ['--write', path], { stdio: 'inherit' });
