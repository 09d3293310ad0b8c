import { createHash } from 'node:crypto';

import { createAwsJsonClient, type AwsJsonClient } from '../aws/json-protocol.ts';
import type { AwsEnv } from '../env.ts';
import { KubemendError } from '../errors.ts';
import type { Queue } from './queue.ts';

const BATCH = 10;

interface SendMessageBatchOutput {
  Successful?: { Id: string; MD5OfMessageBody?: string }[];
  Failed?: { Id: string; Code?: string; Message?: string; SenderFault?: boolean }[];
}

/** The SQS client for a queue: its URL's origin is the endpoint unless the environment overrides it. */
export function sqsClientFor(queueUrl: string, aws: AwsEnv): AwsJsonClient {
  return createAwsJsonClient({ service: 'sqs', jsonVersion: '1.0', aws, defaultEndpoint: new URL(queueUrl).origin });
}

/**
 * A Queue on one SQS queue (SendMessageBatch, 10 at a time), through an AWS JSON client built from
 * `aws` unless one is given. Fails if any message was not accepted, or if SQS reports a body
 * digest other than what was sent, so the caller can retry.
 */
export function createSqsQueue<Message>(
  queueUrl: string,
  aws: AwsEnv,
  client: AwsJsonClient = sqsClientFor(queueUrl, aws),
): Queue<Message> {
  return {
    send: async (messages) => {
      for (let start = 0; start < messages.length; start += BATCH) {
        const chunk = messages.slice(start, start + BATCH).map((message) => JSON.stringify(message));
        const result = await client.call<SendMessageBatchOutput>('AmazonSQS.SendMessageBatch', {
          QueueUrl: queueUrl,
          Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: body })),
        });
        if (result.Failed !== undefined && result.Failed.length > 0) {
          const first = result.Failed[0];
          throw new KubemendError(
            'queue_send_failed',
            `${result.Failed.length} of ${chunk.length} messages were not queued: ${first?.Code ?? ''} ${first?.Message ?? ''}`.trim(),
          );
        }
        for (const entry of result.Successful ?? []) {
          const body = chunk[Number(entry.Id)];
          const digest = body === undefined ? undefined : createHash('md5').update(body, 'utf8').digest('hex');
          if (entry.MD5OfMessageBody !== digest) {
            throw new KubemendError('queue_send_failed', `SQS reported a different digest for message ${entry.Id}`);
          }
        }
      }
    },
  };
}
