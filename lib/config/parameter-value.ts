import { parse as parseYaml } from 'yaml';

import { ConfigError } from '../errors.ts';
import { parseAgentConfigText } from './agent-config.ts';

/** What one SSM parameter value holds, by tier (AWS: Standard 4 KB, Advanced 8 KB). */
export const SSM_VALUE_BYTES = { Standard: 4_096, Advanced: 8_192 } as const;
export type SsmTier = keyof typeof SSM_VALUE_BYTES;

/**
 * The agent configuration as it is written to its SSM parameter: validated as the functions will
 * validate it, as compact JSON (the comments stay in the reviewed file; JSON is YAML, and the
 * functions read it without loading a YAML parser: `lib/document.ts`), and the smallest tier that
 * holds it. A configuration too large for any tier is refused with its size, so the pipeline
 * stops before the functions would meet a parameter SSM refused to store. JSON writes a valid
 * configuration as it is: the schema admits only strings, finite numbers, booleans, lists and
 * maps with known keys (never `.inf` or `.nan`).
 */
export function parameterValue(text: string, source: string): { value: string; tier: SsmTier; bytes: number } {
  parseAgentConfigText(text, source);
  const value = JSON.stringify(parseYaml(text));
  const bytes = Buffer.byteLength(value, 'utf8');
  const tier = (Object.keys(SSM_VALUE_BYTES) as SsmTier[]).find((name) => bytes <= SSM_VALUE_BYTES[name]);
  if (tier === undefined) {
    throw new ConfigError(
      `${source}: ${bytes} bytes as JSON; an SSM parameter holds at most ${SSM_VALUE_BYTES.Advanced} (Advanced tier)`,
    );
  }
  return { value, tier, bytes };
}
