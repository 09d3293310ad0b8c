/**
 * A durable hand-off between stages. SQS in AWS; a table in the embedded database locally.
 * `send` resolves only when every message is stored.
 */
export interface Queue<Message> {
  send(messages: readonly Message[]): Promise<void>;
}
