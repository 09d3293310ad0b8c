import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { loadAgentConfig } from '../../../lib/config/agent-config.ts';
import { infraFiles } from '../../../lib/integrations/files.ts';

const root = join(import.meta.dirname, '../../..');
const files = infraFiles(loadAgentConfig(join(root, 'config/agent_config.yaml')));

describe('the files under infra/ that follow from the code and the shipped config', () => {
  it.each(Object.keys(files))('%s is up to date (run `npm run infra` after changing the config)', (path) => {
    expect(readFileSync(join(root, path), 'utf8')).toBe(files[path]);
  });
});
