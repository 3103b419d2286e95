// Prints the deliveries waiting in the local stack's queue without taking them off it:
// each is received with a visibility timeout of 0, so it stays for the real consumer.
// Usage: node scripts/peek-queue.mjs   (with `npm start` running)
import { readFileSync } from 'node:fs';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const stackFile = process.env.WEBHOOKS_STACK_FILE ?? '.local/stack.json';
const stack = JSON.parse(readFileSync(stackFile, 'utf8'));
Object.assign(process.env, stack.environment);
// The stand-ins accept any credentials; use placeholders when none are configured.
if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
}
const sqs = new SQSClient({});
const { Messages = [] } = await sqs.send(
  new ReceiveMessageCommand({
    QueueUrl: stack.resources.queueUrl,
    MaxNumberOfMessages: 10,
    VisibilityTimeout: 0,
    MessageAttributeNames: ['All'],
  }),
);
for (const message of Messages) {
  const envelope = JSON.parse(message.Body);
  console.log(JSON.stringify({ messageId: message.MessageId, ...envelope }));
}
if (Messages.length === 0) console.log('the queue is empty');
