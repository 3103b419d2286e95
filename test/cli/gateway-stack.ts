/**
 * The admin commands' local stack plus the gateway `npm start` runs in front of it, in this
 * process: for `send` and `replay`, which go through the ingest Lambda's own handler. The
 * queue is read back through a real SDK client.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { vi } from 'vitest';
import { type Envelope, readEnvelope } from '../../functions/queue/envelope.ts';
import { startGateway } from '../../local/gateway.ts';
import { type AdminStack, startAdminStack } from './admin-stack.ts';

/** A queued message: its envelope and its message attributes as text. */
export interface QueuedMessage {
  readonly envelope: Envelope;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface GatewayStack extends AdminStack {
  /** The gateway's webhook URL template, for `send --url`. */
  readonly webhookUrl: string;
  /** Every message now on the delivery queue, removed as read. */
  drainQueue(): Promise<QueuedMessage[]>;
}

export async function startGatewayStack(): Promise<GatewayStack> {
  // The handler's JSON logs and EMF metrics would drown the test output.
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  const admin = await startAdminStack();
  const gateway = await startGateway({ port: 0 });
  const sqs = new SQSClient({});
  const queueUrl = admin.stack.resources.queueUrl;
  return {
    stack: admin.stack,
    webhookUrl: `${gateway.url}/v1/webhooks/{providerId}`,
    async drainQueue() {
      const messages: QueuedMessage[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) return messages;
        for (const message of Messages) {
          const attributes = Object.entries(message.MessageAttributes ?? {});
          messages.push({
            envelope: readEnvelope(String(message.Body)),
            attributes: Object.fromEntries(
              attributes.map(([name, value]) => [name, String(value.StringValue)]),
            ),
          });
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
        }
      }
    },
    async close() {
      sqs.destroy();
      await gateway.close();
      await admin.close();
    },
  };
}
