import { loadAgentConfig, parseAgentConfigText, type AgentConfig } from '../config/agent-config.ts';
import { ConfigError } from '../errors.ts';
import type { ParameterStore } from '../secrets/parameters.ts';

/**
 * The functions' agent configuration: from the SSM parameter `KUBEMEND_CONFIG_PARAMETER` when it
 * is set (so a change needs no new package), else the file bundled at `KUBEMEND_CONFIG_PATH`.
 * Either way the same validation; a bad config fails the cold start, naming the problem.
 */
export async function loadFunctionConfig(
  vars: { KUBEMEND_CONFIG_PATH: string; KUBEMEND_CONFIG_PARAMETER?: string },
  parameters: ParameterStore,
): Promise<AgentConfig> {
  const name = vars.KUBEMEND_CONFIG_PARAMETER;
  if (name === undefined) return loadAgentConfig(vars.KUBEMEND_CONFIG_PATH);
  let text: string | undefined;
  try {
    text = await parameters.get(name);
  } catch (error) {
    throw new ConfigError(`cannot read agent config from SSM parameter ${name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (text === undefined) {
    throw new ConfigError(`cannot read agent config from SSM parameter ${name}: it does not exist or has no value`);
  }
  return parseAgentConfigText(text, `ssm:${name}`);
}
