// Writes the Kubernetes RBAC under infra/kubernetes/ from the registered detectors and remediators
// and from the rules in config/agent_config.yaml (or the file given as the first argument).
import { writeFileSync } from 'node:fs';

import { detectors } from '../lib/detect/registry.ts';
import { loadAgentConfig } from '../lib/config/agent-config.ts';
import { nodeFixesEnabled, remediatorScope, renderRbac, renderRemediatorBindings } from '../lib/rbac.ts';
import { remediators } from '../lib/remediate/registry.ts';

const config = loadAgentConfig(process.argv[2] ?? 'config/agent_config.yaml');
const files = {
  'infra/kubernetes/rbac.yaml': renderRbac(detectors, remediators),
  'infra/kubernetes/remediator-bindings.yaml': renderRemediatorBindings(
    remediatorScope(config),
    undefined,
    nodeFixesEnabled(config, remediators),
  ),
};
for (const [path, text] of Object.entries(files)) {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
