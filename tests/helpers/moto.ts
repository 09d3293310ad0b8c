import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

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
  stop(): Promise<void>;
}

/** Starts a private moto server on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const binary = motoServerPath();
  if (!existsSync(binary)) {
    throw new Error(`moto_server not found at ${binary}: run scripts/testenv/moto.sh (scripts/test.sh does)`);
  }
  const workDir = mkdtempSync(join(tmpdir(), 'kubemend-moto-'));
  const port = await freePort();
  const moto = startProcess('moto', binary, ['-H', '127.0.0.1', '-p', String(port)], workDir);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(moto, async () => (await fetch(`${endpoint}/moto-api/`)).ok, 30_000);
  const clientOptions = {
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
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
    stop: async () => {
      await stopProcesses([moto]);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
