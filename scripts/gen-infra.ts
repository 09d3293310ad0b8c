// Writes the files users paste that follow from the code and config/agent_config.yaml (the
// Alertmanager route, kube-prometheus-stack's AlertmanagerConfig, the Prometheus dashboard, the
// rules with absolute runbook URLs); tests/unit/integrations/ fails when a copy is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadAgentConfig } from '../lib/config/agent-config.ts';
import { infraFiles } from '../lib/integrations/files.ts';

const root = join(import.meta.dirname, '..');
for (const [path, text] of Object.entries(infraFiles(loadAgentConfig(join(root, 'config/agent_config.yaml'))))) {
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path}`);
}
