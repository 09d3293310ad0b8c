// Writes infra/kubernetes/rbac.yaml from the registered detectors and remediators.
import { writeFileSync } from 'node:fs';

import { detectors } from '../lib/detect/registry.ts';
import { renderRbac } from '../lib/rbac.ts';
import { remediators } from '../lib/remediate/registry.ts';

const path = 'infra/kubernetes/rbac.yaml';
writeFileSync(path, renderRbac(detectors, remediators));
console.log(`wrote ${path}`);
