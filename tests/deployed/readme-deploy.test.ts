import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parse } from 'yaml';

import { startMoto, type Moto } from '../helpers/moto.ts';
import { withPackagingLock } from '../testenv/deployed.ts';
import { provision } from '../testenv/processes.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

/** The shell block of the README's "Deploying to AWS" section, as a user copies it. */
function readmeDeploySteps(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Deploying to AWS\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error('README.md: no sh block under "## Deploying to AWS"');
  return block[1]!;
}

let moto: Moto;
let home: string;

beforeAll(async () => {
  moto = await startMoto({ iam: true });
  home = mkdtempSync(join(tmpdir(), 'kubemend-readme-home-'));
}, 60_000);

afterAll(async () => {
  await moto?.stop();
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
});

describe("the README's deploy steps", () => {
  it('run as written, in order, against the emulator, and print the webhook URL to give Alertmanager', async () => {
    const steps = readmeDeploySteps();
    const aws = provision('awscli.sh');

    // A fresh shell with the AWS CLI and the clone's tools on PATH; the emulator stands in for the
    // account through the SDKs' and the CLI's own AWS_ENDPOINT_URL.
    // `npx osls deploy` builds in the clone's .serverless/, as the other deployed suites package there.
    const { stdout } = await withPackagingLock(() =>
      run('bash', ['-euo', 'pipefail', '-c', steps], {
        cwd: ROOT,
        env: {
          PATH: [dirname(aws), join(ROOT, 'node_modules/.bin'), process.env.PATH ?? ''].join(':'),
          HOME: home,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_ACCESS_KEY_ID: moto.clientOptions.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: moto.clientOptions.credentials.secretAccessKey,
          // What the reader exports from their Slack app before step 3.
          SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/readme-walk',
          SLACK_SIGNING_SECRET: 'readme-walk-slack-signing-secret',
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
        },
        timeout: 280_000,
        maxBuffer: 16 * 1024 * 1024,
      }),
    ).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`README deploy steps failed:\n${error.stdout?.slice(-3000)}\n${error.stderr?.slice(-3000)}`);
    });

    const printed = stdout.trim().split('\n').pop();
    expect(printed).toMatch(/^https:\/\/[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com\/alerts$/);
    const ssm = new SSMClient(moto.clientOptions);
    const token = await ssm.send(
      new GetParameterCommand({ Name: '/kubemend/dev/webhook-token', WithDecryption: true }),
    );
    expect(token.Parameter).toMatchObject({ Type: 'SecureString', Value: expect.stringMatching(/^[0-9a-f]{48}$/) });
    const cluster = await ssm.send(new GetParameterCommand({ Name: '/kubemend/dev/clusters/prod-eu-west-1' }));
    expect(JSON.parse(cluster.Parameter!.Value!)).toEqual({ eks: { region: 'eu-west-1' } });
    const webhook = await ssm.send(
      new GetParameterCommand({ Name: '/kubemend/dev/slack-webhook-url', WithDecryption: true }),
    );
    expect(webhook.Parameter?.Value).toBe('https://hooks.slack.example/services/readme-walk');
    // Slack: both secrets where the functions read them, the stage deployed to read them, and the URL for the app.
    const signing = await ssm.send(
      new GetParameterCommand({ Name: '/kubemend/dev/slack-signing-secret', WithDecryption: true }),
    );
    expect(signing.Parameter).toMatchObject({ Type: 'SecureString', Value: 'readme-walk-slack-signing-secret' });
    const { Stacks } = await new CloudFormationClient(moto.clientOptions).send(
      new DescribeStacksCommand({ StackName: 'kubemend-dev' }),
    );
    const outputs: Record<string, string | undefined> = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((o): [string, string | undefined] => [o.OutputKey ?? '', o.OutputValue]),
    );
    expect(outputs.SlackInteractionsUrl).toMatch(
      /^https:\/\/[a-z0-9]+\.execute-api\.eu-west-1\.amazonaws\.com\/slack\/interactions$/,
    );
    const { Functions } = await new LambdaClient(moto.clientOptions).send(new ListFunctionsCommand({}));
    const receiver = Functions?.find((f) => f.FunctionName === 'kubemend-dev-receiver');
    expect(receiver?.Environment?.Variables).toMatchObject({
      KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER: '/kubemend/dev/slack-signing-secret',
    });
    // The config as prod keeps it: exported as compact JSON, in SSM, named to the workers; it
    // means what the reviewed file means.
    const config = await ssm.send(new GetParameterCommand({ Name: '/kubemend/dev/agent-config' }));
    expect(JSON.parse(config.Parameter?.Value ?? '')).toEqual(
      parse(readFileSync(join(ROOT, 'config/stages/dev/agent_config.yaml'), 'utf8')),
    );
    const detector = Functions?.find((f) => f.FunctionName === 'kubemend-dev-detector');
    expect(detector?.Environment?.Variables).toMatchObject({ KUBEMEND_CONFIG_PARAMETER: '/kubemend/dev/agent-config' });
  }, 300_000);
});
