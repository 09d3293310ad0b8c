// Writes config/agent_config.schema.json, the JSON Schema of config/agent_config.yaml generated
// from its zod schema, for editor completion (the YAML file names it on its first line).
import { writeFileSync } from 'node:fs';

import { agentConfigJsonSchema } from '../lib/config/agent-config.ts';

writeFileSync('config/agent_config.schema.json', `${JSON.stringify(agentConfigJsonSchema(), null, 2)}\n`);
console.log('wrote config/agent_config.schema.json');
