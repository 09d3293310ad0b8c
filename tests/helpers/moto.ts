import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';

import { parseAwsEnv, type AwsEnv } from '../../lib/env.ts';
import { cacheDir, freePort, startProcess, stopProcesses, waitFor } from '../testenv/processes.ts';

/** Where scripts/testenv/moto.sh installs moto_server (keep the version in step with it). */
export function motoServerPath(): string {
  return process.env.KUBEMEND_MOTO_SERVER ?? join(cacheDir(), 'testenv', 'moto-5.2.5', 'bin', 'moto_server');
}

export interface Moto {
  endpoint: string;
  /** A DynamoDB client for this emulator (placeholder credentials; nothing leaves loopback). */
  dynamodb(): DynamoDBClient;
  /** Options for any other AWS SDK client on this emulator. */
  clientOptions: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** The environment kubemend's own AWS JSON clients (SQS, SSM) take, pointed at this emulator. */
  awsEnv: AwsEnv;
  /** The server's log (its requests, and a traceback for each 500). */
  logFile: string;
  /** Starts moto's request recorder (every request from then on, with its headers and body). */
  startRecording(): Promise<void>;
  /** The requests recorded since startRecording. */
  recording(): Promise<RecordedRequest[]>;
  stop(): Promise<void>;
}

/** One request as moto's recorder keeps it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** base64 when body_encoded. */
  body: string;
  body_encoded?: boolean;
}

/**
 * Starts a private moto server on a free loopback port and waits until it answers. It runs with
 * the CloudFormation resource types moto does not parse itself (scripts/testenv/moto_extras.py).
 * With `iam`, moto authorises every request after the set-up against the caller's IAM policies:
 * the credentials returned are then an administrator's, created in that set-up.
 */
export async function startMoto(options: { iam?: boolean } = {}): Promise<Moto> {
  const binary = motoServerPath();
  if (!existsSync(binary)) {
    throw new Error(`moto_server not found at ${binary}: run scripts/testenv/moto.sh (scripts/test.sh does)`);
  }
  const workDir = mkdtempSync(join(tmpdir(), 'kubemend-moto-'));
  const port = await freePort();
  const launcher = join(import.meta.dirname, '../../scripts/testenv/moto_server.py');
  const moto = startProcess(
    'moto',
    join(dirname(binary), 'python'),
    [launcher, '-H', '127.0.0.1', '-p', String(port)],
    workDir,
    {
      env: options.iam === true ? { INITIAL_NO_AUTH_ACTION_COUNT: String(ADMIN_SETUP.length) } : {},
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(moto, async () => (await fetch(`${endpoint}/moto-api/`)).ok, 30_000);
  const clientOptions = {
    endpoint,
    region: 'eu-west-1',
    credentials:
      options.iam === true
        ? await createAdministrator(endpoint)
        : { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
  };
  return {
    endpoint,
    clientOptions,
    awsEnv: parseAwsEnv({
      AWS_REGION: clientOptions.region,
      AWS_ACCESS_KEY_ID: clientOptions.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: clientOptions.credentials.secretAccessKey,
      AWS_ENDPOINT_URL: endpoint,
    }),
    dynamodb: () => new DynamoDBClient(clientOptions),
    logFile: moto.log,
    startRecording: async () => {
      const response = await fetch(`${endpoint}/moto-api/recorder/start-recording`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto recorder: ${response.status}`);
    },
    recording: async () => {
      const text = await (await fetch(`${endpoint}/moto-api/recorder/download-recording`)).text();
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as RecordedRequest);
    },
    stop: async () => {
      await stopProcesses([moto]);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** The unchecked requests that make the administrator; every request after them is checked. */
const ADMIN_SETUP = ['CreateUser', 'PutUserPolicy', 'CreateAccessKey'] as const;

async function createAdministrator(endpoint: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const iam = new IAMClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'set-up', secretAccessKey: 'set-up' },
  });
  const UserName = 'kubemend-test-administrator';
  await iam.send(new CreateUserCommand({ UserName }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName,
      PolicyName: 'administrator',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName }));
  iam.destroy();
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}
