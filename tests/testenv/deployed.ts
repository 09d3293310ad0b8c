import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';

import type { CfnTemplate } from '../../scripts/serverless-canary.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

/**
 * Runs `work` while no other test packages this clone: the Framework builds in the repository's
 * `.serverless/`, which `scripts/package.sh` empties first, so two suites packaging at once would
 * take each other's artifacts. A lock left by a process that is gone is taken over.
 */
export async function withPackagingLock<T>(work: () => Promise<T>): Promise<T> {
  const lock = join(
    tmpdir(),
    `kubemend-packaging-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`,
  );
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8')) || 0;
      } catch {
        // Just made or just removed: ask again.
      }
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) {
        throw new Error(`another test has packaged this clone for 10 minutes (${lock})`, { cause: error });
      } else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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
 * Deploys `stage` as the release does, with `osls deploy --package`, to a fresh moto server with IAM
 * authorisation on: the Framework's SDK clients reach the emulator through `AWS_ENDPOINT_URL`
 * (the SDK's own setting; no plugin), with the emulator administrator's credentials. `params`
 * override the stage's parameters (`--param="name=value"`), at packaging as at deploying. How long
 * the packaging and the deploy took are in `packageMs` and `deployMs`.
 */
export async function deployStack(
  stage = 'dev',
  { region = 'eu-west-1', params = {} }: { region?: string; params?: Record<string, string> } = {},
): Promise<DeployedStack & { packageMs: number; deployMs: number }> {
  const paramArgs = Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);
  const moto = await startMoto({ iam: true });
  // As the release ships it: packaged and checked once (scripts/package.sh), then that artifact
  // deployed (`osls deploy --package`), so what runs is what the pipeline would send.
  const artifact = join(mkdtempSync(join(tmpdir(), 'kubemend-artifact-')), stage);
  const started = Date.now();
  const step = async (command: string, args: string[], env: Record<string, string>) => {
    try {
      await run(command, args, {
        cwd: ROOT,
        env: {
          PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
          HOME: process.env.HOME ?? '/tmp',
          ...env,
        },
        timeout: 240_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      await moto.stop();
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`${[command, ...args].join(' ')} failed:\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`, {
        cause: error,
      });
    }
  };
  // Once per stage and account, first (the README's step 0): the permissions boundary its roles carry.
  const cloudformation = new CloudFormationClient({ ...moto.clientOptions, region });
  try {
    await cloudformation.send(
      new CreateStackCommand({
        StackName: `kubemend-${stage}-boundary`,
        TemplateBody: readFileSync(join(ROOT, 'infra/aws/boundary.yaml'), 'utf8'),
        Parameters: [{ ParameterKey: 'Stage', ParameterValue: stage }],
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
  } catch (error) {
    await moto.stop();
    throw error;
  }
  await withPackagingLock(() => step('bash', [join(ROOT, 'scripts/package.sh'), stage, artifact, ...paramArgs], {}));
  const packageMs = Date.now() - started;
  await step(
    process.execPath,
    [
      join(ROOT, 'node_modules/osls/bin/serverless.js'),
      'deploy',
      '--package',
      artifact,
      '--stage',
      stage,
      '--region',
      region,
      ...paramArgs,
    ],
    {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: moto.clientOptions.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.clientOptions.credentials.secretAccessKey,
      AWS_REGION: region,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
  );
  const deployMs = Date.now() - started - packageMs;
  // What the functions do from now on is recorded: the evidence for least privilege.
  await moto.startRecording();
  const stackName = `kubemend-${stage}`;
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
    readFileSync(join(artifact, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as DeployedStack['template'];
  return {
    stage,
    region,
    moto,
    stackName,
    deployMs,
    packageMs,
    outputs: Object.fromEntries((stack?.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!])),
    resources,
    template,
    physicalId: (logicalId) => {
      const found = resources.find((resource) => resource.LogicalResourceId === logicalId)?.PhysicalResourceId;
      if (found === undefined) throw new Error(`no resource ${logicalId} in stack ${stackName}`);
      return found;
    },
    stop: async () => {
      await moto.stop();
      rmSync(dirname(artifact), { recursive: true, force: true });
    },
  };
}

/** Posts to the test cluster's token webhook (tests/testenv/iam-authenticator.ts). */
async function postAuthenticator(authenticatorUrl: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${authenticatorUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (response.status !== 204) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

/** An access entry of the test cluster: `principalArn` (a role) is the Kubernetes user of that name in `groups`. */
export function addAccessEntry(authenticatorUrl: string, principalArn: string, groups: string[]): Promise<void> {
  return postAuthenticator(authenticatorUrl, '/access-entries', { principalArn, username: principalArn, groups });
}

/**
 * What an administrator does once per cluster for a deployed stack: an access entry for each
 * function role the template maps (its `AWS::EKS::AccessEntry` resources, created in AWS with
 * `eksClusterName`), given to the test cluster's token webhook, which also learns to accept the
 * credentials the stack's emulator issues (its STS: the functions' role sessions, and the
 * cross-account roles they assume).
 */
export async function grantClusterAccess(
  stack: DeployedStack,
  functions: { identity(logical: string): Promise<{ roleArn: string }> },
  authenticatorUrl: string,
): Promise<string[]> {
  await postAuthenticator(authenticatorUrl, '/sts-emulators', { url: stack.moto.endpoint });
  const granted: string[] = [];
  for (const resource of Object.values(stack.template.Resources)) {
    if (resource.Type !== 'AWS::EKS::AccessEntry') continue;
    const { PrincipalArn, KubernetesGroups } = resource.Properties as {
      PrincipalArn: { 'Fn::GetAtt': [string, string] };
      KubernetesGroups: string[];
    };
    const role = PrincipalArn['Fn::GetAtt'][0];
    const { roleArn } = await functions.identity(role.replace(/Role$/, ''));
    await addAccessEntry(authenticatorUrl, roleArn, KubernetesGroups);
    granted.push(`${role} → ${KubernetesGroups.join(',')}`);
  }
  return granted;
}
