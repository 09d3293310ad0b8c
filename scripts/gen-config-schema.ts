// Writes config/agent_config.schema.json and config/model_config.schema.json, the JSON Schemas of
// the two config files generated from their zod schemas, for editor completion (each YAML file
// names its schema on its first line).
import { writeFileSync } from 'node:fs';

import { agentConfigJsonSchema } from '../lib/config/agent-config.ts';
import { modelConfigJsonSchema } from '../lib/models/model-config.ts';

for (const [file, schema] of [
  ['config/agent_config.schema.json', agentConfigJsonSchema()],
  ['config/model_config.schema.json', modelConfigJsonSchema()],
] as const) {
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
