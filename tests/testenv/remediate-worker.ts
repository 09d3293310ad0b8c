// One remediator invocation in a process of its own, as a separate Lambda container would run
// it: `node tests/testenv/remediate-worker.ts <record id>`, with the emulator endpoint, table,
// kubeconfig and agent config in the environment. Prints its outcome (or error) as one JSON line.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { parseAgentConfig } from '../../lib/config/agent-config.ts';
import { describeError } from '../../lib/errors.ts';
import { configKillSwitch } from '../../lib/guardrails/kill-switch.ts';
import { createDynamoTargetGuard } from '../../lib/guardrails/target-guard.ts';
import { createLogger } from '../../lib/logger.ts';
import { handlePlan } from '../../lib/pipeline/remediate.ts';
import { remediators } from '../../lib/remediate/registry.ts';
import { createDynamoOutcomeStore } from '../../lib/store/dynamodb-outcome-store.ts';
import { providerFor } from './cluster.ts';

const id = process.argv[2];
const {
  KUBEMEND_TEST_DYNAMODB: endpoint,
  KUBEMEND_TEST_TABLE: tableName,
  KUBEMEND_TEST_CONFIG: rawConfig,
} = process.env;
if (id === undefined || endpoint === undefined || tableName === undefined || rawConfig === undefined) {
  throw new Error('usage: remediate-worker.ts <id> with KUBEMEND_TEST_DYNAMODB, _TABLE and _CONFIG set');
}
const dynamo = new DynamoDBClient({
  endpoint,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
});
const config = parseAgentConfig(JSON.parse(rawConfig), 'KUBEMEND_TEST_CONFIG');
try {
  const outcome = await handlePlan(
    { kind: 'plan', id },
    {
      store: createDynamoOutcomeStore(dynamo, { tableName, retentionDays: 1 }),
      config,
      remediators,
      kube: providerFor('remediator'),
      killSwitch: configKillSwitch(false),
      targetGuard: createDynamoTargetGuard(dynamo, { tableName }),
      clock: () => new Date(),
      logger: createLogger({ level: 'silent' }),
      leaseMs: 60_000,
    },
  );
  console.log(JSON.stringify({ pid: process.pid, result: outcome.result ?? outcome.stage, reason: outcome.reason }));
} catch (error) {
  console.log(JSON.stringify({ pid: process.pid, error: describeError(error) }));
} finally {
  dynamo.destroy();
}
