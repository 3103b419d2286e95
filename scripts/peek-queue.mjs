// Prints the deliveries waiting in the local stack's queue without taking them off it:
// each is received with a visibility timeout of 0, so it stays for the real consumer.
// Usage: npm run -s queue:peek   (with `npm start` running; from any folder of the project)
// Plain JavaScript, run as it is: it finds the stack file as `webhooks --local` does
// (cli/target.ts), since it cannot import TypeScript.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/** WEBHOOKS_STACK_FILE, else the nearest .local/stack.json up to the project root. */
function findStackFile() {
  if (process.env.WEBHOOKS_STACK_FILE) return resolve(process.env.WEBHOOKS_STACK_FILE);
  for (let folder = process.cwd(); ; folder = dirname(folder)) {
    const candidate = join(folder, '.local', 'stack.json');
    if (existsSync(candidate) || isProjectRoot(folder)) return candidate;
    if (dirname(folder) === folder) return resolve('.local', 'stack.json');
  }
}

function isProjectRoot(folder) {
  try {
    return (
      JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).name === 'webhook-ingestion'
    );
  } catch {
    return false;
  }
}

/** A one-line reason and exit code 2: no stack trace for what `npm start` fixes. */
function refuse(message) {
  console.error(`peek-queue: ${message}; run \`npm start\``);
  process.exit(2);
}

function isRunning(pid) {
  if (typeof pid !== 'number') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const stackFile = findStackFile();
if (!existsSync(stackFile)) refuse(`no local stack: ${stackFile} does not exist`);
let stack;
try {
  stack = JSON.parse(readFileSync(stackFile, 'utf8'));
} catch (error) {
  refuse(`cannot read the local stack file ${stackFile} (${error.code ?? 'not JSON'})`);
}
if (!isRunning(stack.pid)) {
  refuse(
    `the local stack recorded in ${stackFile} (pid ${stack.pid}, started ${stack.startedAt}) is not running (it may have crashed)`,
  );
}
Object.assign(process.env, stack.environment);
// The stand-ins accept any credentials; use placeholders when none are configured.
if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
}
const sqs = new SQSClient({});
const { Messages = [] } = await sqs
  .send(
    new ReceiveMessageCommand({
      QueueUrl: stack.resources.queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      MessageAttributeNames: ['All'],
    }),
  )
  .catch((error) => {
    if (error.code !== 'ECONNREFUSED') throw error;
    refuse(`the local stack recorded in ${stackFile} is not answering (${error.message})`);
  });
for (const message of Messages) {
  const envelope = JSON.parse(message.Body);
  console.log(JSON.stringify({ messageId: message.MessageId, ...envelope }));
}
if (Messages.length === 0) console.log('the queue is empty');
