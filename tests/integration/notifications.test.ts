import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

import type { Outcome } from '../../lib/domain/types.ts';
import { snsNotifier } from '../../lib/notify/sns.ts';
import { alertFixture } from '../helpers/fixtures.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';

/** SNS notifications on the AWS emulator: published to a topic, delivered to a subscribed queue. */
let moto: Moto;
let sns: SNSClient;
let sqs: SQSClient;

beforeAll(async () => {
  moto = await startMoto();
  sns = new SNSClient(moto.clientOptions);
  sqs = new SQSClient(moto.clientOptions);
}, 60_000);

afterAll(async () => {
  sns.destroy();
  sqs.destroy();
  await moto.stop();
});

describe('SNS notifications', () => {
  it('publishes a pending approval with its subject, links and a kind attribute', async () => {
    const topic = await sns.send(new CreateTopicCommand({ Name: 'kubemend-notifications' }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'kubemend-notified' }));
    const queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
    const outcome: Outcome = {
      id: 'cf2f5a23560372c5@2026-11-26T02:14:05.123Z',
      alert: alertFixture('deployment-rollout-stuck.json'),
      cluster: 'prod-eu-west-1',
      stage: 'awaiting-approval',
      reason:
        'rollout-undo needs approval: run `kubemend approve cf2f5a23560372c5@2026-11-26T02:14:05.123Z` before 2026-11-26T03:14:05.123Z',
      plan: {
        action: 'rollout-undo',
        target: { kind: 'Deployment', namespace: 'payments', name: 'checkout' },
        params: { fromRevision: '4', toRevision: '3' },
        reason: 'bad rollout',
      },
      approval: { requestedAt: '2026-11-26T02:14:05.123Z', expiresAt: '2026-11-26T03:14:05.123Z' },
      timings: { receivedAt: '2026-11-26T02:14:05.123Z' },
      attempts: 1,
    };

    await snsNotifier(sns, topic.TopicArn!).notify(outcome);

    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5 }),
    );
    const envelope = JSON.parse(received.Messages?.[0]?.Body ?? '{}') as {
      Subject?: string;
      Message?: string;
      MessageAttributes?: Record<string, { Value: string }>;
    };
    // SNS subjects hold 100 characters; the full subject opens the message.
    expect(envelope.Subject).toBe(
      'kubemend pending-approval: rollout-undo deployment payments/checkout (KubeDeploymentRolloutStuck ...',
    );
    expect(envelope.Subject).toHaveLength(100);
    expect(envelope.Message?.split('\n')[0]).toBe(
      'kubemend pending-approval: rollout-undo deployment payments/checkout (KubeDeploymentRolloutStuck on prod-eu-west-1)',
    );
    expect(envelope.Message).toContain('kubemend approve cf2f5a23560372c5@2026-11-26T02:14:05.123Z');
    expect(envelope.Message).toContain(`alert: ${outcome.alert.generatorURL}`);
    expect(envelope.MessageAttributes?.kind?.Value).toBe('pending-approval');
  }, 60_000);
});
