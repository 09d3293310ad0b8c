import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

import { cut } from '../text.ts';
import { notificationText } from './message.ts';
import { notificationKind, type Notifier } from './notifier.ts';

/** Publishes to an SNS topic, with the kind of notification as a message attribute for filtering. */
export function snsNotifier(client: SNSClient, topicArn: string): Notifier {
  return {
    notify: async (outcome) => {
      const { subject, body } = notificationText(outcome);
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          // SNS subjects: at most 100 printable ASCII characters.
          Subject: cut(subject.replace(/[^\x20-\x7e]/g, '?'), 100, '...'),
          Message: `${subject}\n\n${body}`,
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: notificationKind(outcome) ?? outcome.stage },
          },
        }),
      );
    },
  };
}
