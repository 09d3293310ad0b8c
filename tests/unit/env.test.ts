import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { KubeconfigEnvSchema, parseAwsEnv, parseEnv } from '../../lib/env.ts';
import { ConfigError } from '../../lib/errors.ts';

const root = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const LAMBDA = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDLAMBDAFUNCTION',
  AWS_SECRET_ACCESS_KEY: 'function-role-secret-key',
  AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEXAMPLE',
};

describe('where the environment is read', () => {
  it('reads process.env in lib/ only in lib/process-env.ts', () => {
    // `process.env`, `process['env']`, `const { env } = process`: any way of reaching it.
    const reads = /process\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\{[^}]*\benv\b[^}]*\}\s*=\s*(globalThis\.)?process\b/;

    const offenders = sources(join(root, 'lib'))
      .map((file) => relative(root, file))
      .filter((file) => file !== join('lib', 'process-env.ts'))
      .filter((file) => reads.test(readFileSync(join(root, file), 'utf8')));

    expect(offenders).toEqual([]);
    expect(sources(join(root, 'lib')).length).toBeGreaterThan(50);
  });
});

describe('the AWS environment', () => {
  it('takes the region, the function credentials and the endpoint overrides', () => {
    const aws = parseAwsEnv({
      ...LAMBDA,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:4583',
      PATH: '/usr/bin',
    });

    expect(aws).toEqual({
      region: 'eu-west-1',
      credentials: {
        accessKeyId: 'AKIDLAMBDAFUNCTION',
        secretAccessKey: 'function-role-secret-key',
        sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE',
      },
      endpoints: { all: 'http://127.0.0.1:4566', services: { ssm: 'http://127.0.0.1:4583' } },
    });
  });

  it('falls back to AWS_DEFAULT_REGION and reads empty optional variables as unset', () => {
    const aws = parseAwsEnv({
      ...LAMBDA,
      AWS_REGION: '',
      AWS_DEFAULT_REGION: 'us-east-2',
      AWS_SESSION_TOKEN: '',
      AWS_ENDPOINT_URL: '',
      AWS_ENDPOINT_URL_SQS: '',
    });

    expect(aws.region).toBe('us-east-2');
    expect(aws.credentials).toEqual({
      accessKeyId: LAMBDA.AWS_ACCESS_KEY_ID,
      secretAccessKey: 'function-role-secret-key',
    });
    expect(aws.endpoints).toEqual({ all: undefined, services: {} });
  });

  it('stops start-up naming what is missing or malformed', () => {
    const failure = (env: Record<string, string | undefined>) => {
      try {
        parseAwsEnv(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('parsed');
    };

    expect(failure({ ...LAMBDA, AWS_SECRET_ACCESS_KEY: '' })).toBe('environment: AWS_SECRET_ACCESS_KEY: not set');
    expect(failure({ ...LAMBDA, AWS_ACCESS_KEY_ID: undefined })).toBe('environment: AWS_ACCESS_KEY_ID: not set');
    expect(failure({ ...LAMBDA, AWS_REGION: undefined })).toBe(
      'environment: AWS_REGION: not set (nor AWS_DEFAULT_REGION)',
    );
    expect(failure({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://[::1' })).toBe(
      'environment: AWS_ACCESS_KEY_ID: not set; AWS_SECRET_ACCESS_KEY: not set; AWS_ENDPOINT_URL: expected an http(s) URL',
    );
    expect(failure({ ...LAMBDA, AWS_ENDPOINT_URL_SSM: 'localhost:4566' })).toBe(
      'environment: AWS_ENDPOINT_URL_SSM: expected an http(s) URL',
    );
  });
});

describe('the kubeconfig environment', () => {
  it('lists the KUBECONFIG files, and says where home is and whether this runs in a cluster', () => {
    expect(
      parseEnv(KubeconfigEnvSchema, {
        KUBECONFIG: '/etc/kube/a.yaml::/etc/kube/b.yaml',
        HOME: '/home/oncall',
        KUBERNETES_SERVICE_HOST: '10.96.0.1',
      }),
    ).toEqual({ files: ['/etc/kube/a.yaml', '/etc/kube/b.yaml'], home: '/home/oncall', inCluster: true });
    expect(parseEnv(KubeconfigEnvSchema, { KUBECONFIG: '', HOME: '' })).toEqual({
      files: [],
      home: undefined,
      inCluster: false,
    });
  });
});
