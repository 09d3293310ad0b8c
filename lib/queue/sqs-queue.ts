import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

import { KubemendError } from '../errors.ts';
import type { Queue } from './queue.ts';

const BATCH = 10;

/** A Queue on one SQS queue. Fails if any message was not accepted, so the caller can retry. */
export function createSqsQueue<Message>(client: SQSClient, queueUrl: string): Queue<Message> {
  return {
    send: async (messages) => {
      for (let start = 0; start < messages.length; start += BATCH) {
        const chunk = messages.slice(start, start + BATCH);
        const result = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) })),
          }),
        );
        if (result.Failed !== undefined && result.Failed.length > 0) {
          const first = result.Failed[0];
          throw new KubemendError(
            'queue_send_failed',
            `${result.Failed.length} of ${chunk.length} messages were not queued: ${first?.Code ?? ''} ${first?.Message ?? ''}`.trim(),
          );
        }
      }
    },
  };
}
