import { describe, expect, it } from '@jest/globals';

import { ConfigError } from '../../lib/errors.ts';
import { parseReceiverEnv } from '../../lib/process-env.ts';

const base = {
  KUBEMEND_ALERT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/kubemend-alerts',
  KUBEMEND_WEBHOOK_TOKEN_PARAMETER: '/kubemend/prod/webhook-token',
};

describe('parseReceiverEnv', () => {
  it('takes the queue and the parameter names, with the log level at info unless set', () => {
    expect(parseReceiverEnv(base)).toEqual({ KUBEMEND_LOG_LEVEL: 'info', ...base });
    expect(
      parseReceiverEnv({
        ...base,
        KUBEMEND_LOG_LEVEL: 'debug',
        KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER: '/kubemend/prod/slack-signing-secret',
        KUBEMEND_PLAN_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/plans',
      }),
    ).toEqual({
      KUBEMEND_LOG_LEVEL: 'debug',
      ...base,
      KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER: '/kubemend/prod/slack-signing-secret',
      KUBEMEND_PLAN_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/plans',
    });
  });

  it('takes a URL without the whitespace around it', () => {
    expect(parseReceiverEnv({ ...base, KUBEMEND_ALERT_QUEUE_URL: ` ${base.KUBEMEND_ALERT_QUEUE_URL}\n` })).toEqual({
      KUBEMEND_LOG_LEVEL: 'info',
      ...base,
    });
  });

  it('reads an empty optional setting as unset (CloudFormation cannot omit a variable)', () => {
    expect(
      parseReceiverEnv({ ...base, KUBEMEND_SLACK_SIGNING_SECRET_PARAMETER: '', KUBEMEND_PLAN_QUEUE_URL: '' }),
    ).toEqual({
      KUBEMEND_LOG_LEVEL: 'info',
      ...base,
    });
  });

  it('names every missing or bad variable in one error', () => {
    const parse = () =>
      parseReceiverEnv({
        KUBEMEND_LOG_LEVEL: 'loud',
        KUBEMEND_ALERT_QUEUE_URL: 'sqs/alerts',
        KUBEMEND_PLAN_QUEUE_URL: 'ftp://x',
      });

    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(
      'environment: KUBEMEND_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"; ' +
        'KUBEMEND_ALERT_QUEUE_URL: expected an http(s) URL; KUBEMEND_WEBHOOK_TOKEN_PARAMETER: not set; ' +
        'KUBEMEND_PLAN_QUEUE_URL: expected an http(s) URL',
    );
    expect(() => parseReceiverEnv({ KUBEMEND_WEBHOOK_TOKEN_PARAMETER: 'x' })).toThrow(
      'environment: KUBEMEND_ALERT_QUEUE_URL: not set',
    );
  });
});
