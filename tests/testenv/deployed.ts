import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';

import type { CfnTemplate } from '../../scripts/serverless-canary.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

/** A stage of serverless.yml deployed with `osls deploy` to the AWS emulator. */
export interface DeployedStack {
  stage: string;
  region: string;
  moto: Moto;
  stackName: string;
  outputs: Record<string, string>;
  resources: StackResourceSummary[];
  /** The template the deploy sent, as packaged. */
  template: CfnTemplate & { Conditions?: Record<string, unknown> };
  /** The physical ID of a resource by its logical ID. */
  physicalId(logicalId: string): string;
  stop(): Promise<void>;
}

/**
 * Deploys `stage` as the README says, with `osls deploy`, to a fresh moto server with IAM
 * authorisation on: the Framework's SDK clients reach the emulator through `AWS_ENDPOINT_URL`
 * (the SDK's own setting; no plugin), with the emulator administrator's credentials. How long the
 * deploy took is in `deployMs`.
 */
export async function deployStack(stage = 'dev', region = 'eu-west-1'): Promise<DeployedStack & { deployMs: number }> {
  const moto = await startMoto({ iam: true });
  const started = Date.now();
  try {
    await run(
      process.execPath,
      [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'deploy', '--stage', stage, '--region', region],
      {
        cwd: ROOT,
        env: {
          PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
          HOME: process.env.HOME ?? '/tmp',
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_ACCESS_KEY_ID: moto.clientOptions.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: moto.clientOptions.credentials.secretAccessKey,
          AWS_REGION: region,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
        },
        timeout: 240_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    await moto.stop();
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`osls deploy --stage ${stage} failed:\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`, {
      cause: error,
    });
  }
  const deployMs = Date.now() - started;
  const stackName = `kubemend-${stage}`;
  const cloudformation = new CloudFormationClient({ ...moto.clientOptions, region });
  const stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  const resources: StackResourceSummary[] = [];
  let next: string | undefined;
  do {
    const page = await cloudformation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: next }));
    // The emulator lists a resource whose condition is false as an empty summary: not one.
    resources.push(...(page.StackResourceSummaries ?? []).filter((resource) => resource.LogicalResourceId !== ''));
    next = page.NextToken;
  } while (next !== undefined);
  cloudformation.destroy();
  const template = JSON.parse(
    readFileSync(join(ROOT, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
  ) as DeployedStack['template'];
  return {
    stage,
    region,
    moto,
    stackName,
    deployMs,
    outputs: Object.fromEntries((stack?.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!])),
    resources,
    template,
    physicalId: (logicalId) => {
      const found = resources.find((resource) => resource.LogicalResourceId === logicalId)?.PhysicalResourceId;
      if (found === undefined) throw new Error(`no resource ${logicalId} in stack ${stackName}`);
      return found;
    },
    stop: () => moto.stop(),
  };
}
