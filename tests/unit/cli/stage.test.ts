import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from '@jest/globals';

import { exitOnError } from '../../../lib/cli/exit-codes.ts';
import { remoteError, stageOutputs } from '../../../lib/cli/stage.ts';

/** A CloudFormation client that answers DescribeStacks with `answer` (or throws it). */
function cloudformation(answer: unknown, region: () => Promise<string> = async () => 'eu-west-1') {
  return {
    config: { region },
    send: async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as CloudFormationClient;
}

const OUTPUTS = {
  OutcomesTableName: 'kubemend-prod-outcomes',
  RemediatorFunctionName: 'kubemend-prod-remediator',
  KillSwitchParameterName: '/kubemend/prod/kill-switch',
  AlertQueueUrl: 'https://sqs/alerts',
  PlanQueueUrl: 'https://sqs/plans',
  AlertDeadLetterQueueUrl: 'https://sqs/alerts-dlq',
  PlanDeadLetterQueueUrl: 'https://sqs/plans-dlq',
};
const stack = (outputs: Record<string, string>) => ({
  Stacks: [{ Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
});

describe('a stage, from its stack outputs', () => {
  it('finds the table, the remediator, the kill switch and the queues', async () => {
    expect(await stageOutputs(cloudformation(stack(OUTPUTS)), 'prod')).toEqual({
      stackName: 'kubemend-prod',
      region: 'eu-west-1',
      tableName: 'kubemend-prod-outcomes',
      remediatorFunction: 'kubemend-prod-remediator',
      killSwitchParameter: '/kubemend/prod/kill-switch',
      queues: {
        alerts: { url: 'https://sqs/alerts', deadLetters: 'https://sqs/alerts-dlq' },
        plans: { url: 'https://sqs/plans', deadLetters: 'https://sqs/plans-dlq' },
      },
    });
  });

  it('names a stack that is not there, and where it looked, as a usage error', async () => {
    const missing = Object.assign(new Error('Stack with id kubemend-prod does not exist'), { name: 'ValidationError' });
    const error = await stageOutputs(cloudformation(missing), 'prod').catch((e: unknown) => e);
    expect(error).toMatchObject({
      message:
        'no stack kubemend-prod in eu-west-1: is the stage deployed there? (--region, or AWS_REGION, names another)',
    });
    expect(exitOnError(error, {}).code).toBe(2);
  });

  it('says which outputs a stack deployed by an older version lacks', async () => {
    const { PlanDeadLetterQueueUrl: _, RemediatorFunctionName: __, ...older } = OUTPUTS;
    await expect(stageOutputs(cloudformation(stack(older)), 'prod')).rejects.toThrow(
      'stack kubemend-prod in eu-west-1 has no output RemediatorFunctionName, PlanDeadLetterQueueUrl: deploy this version of kubemend to the stage first',
    );
  });

  it('asks for a region when none is configured', async () => {
    const noRegion = cloudformation(stack(OUTPUTS), async () => Promise.reject(new Error('Region is missing')));
    await expect(stageOutputs(noRegion, 'prod')).rejects.toThrow(
      'no AWS region: give --region, or set AWS_REGION or a region in the --profile',
    );
  });
});

describe("the remediator's error answer", () => {
  it('becomes the error a local run raises, so the exit code is the same', () => {
    const answer = (errorType: string) => exitOnError(remoteError({ errorType, errorMessage: 'why' }, 'fn'), {});
    expect(answer('ValidationError')).toEqual({ code: 2, message: 'kubemend: why' });
    expect(answer('NotFoundError').code).toBe(2);
    expect(answer('ClusterUnreachableError').code).toBe(3);
    expect(answer('ClusterUnknownError').code).toBe(3);
    expect(answer('Sandbox.Timedout')).toEqual({ code: 1, message: 'kubemend: fn: why' });
    expect(exitOnError(remoteError(null, 'fn'), {}).message).toBe('kubemend: fn: fn failed: null');
  });
});
