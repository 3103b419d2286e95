/**
 * `npm start`: starts the local stack (KMS stand-in, DynamoDB Local, fauxqs), prints how to
 * reach it and runs until SIGINT or SIGTERM, then stops it so that no JVM outlives us. The
 * HTTP front and the ingest handler are not built yet; PORT is reserved for the front.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fakeCredentials, type LocalStack, startLocalStack } from './stack.ts';

const usage = 'usage: npm start [-- --persist]';
/** The HTTP front's port when PORT is unset, once the front exists. */
const defaultGatewayPort = 3000;

async function main(): Promise<void> {
  const began = performance.now();
  const { persist, gatewayPort } = readSettings();
  // Listen before starting: a signal during the JVM's start must still stop it.
  const shutdown = stopOnSignals();
  const stack = await startLocalStack({ persist });
  if (shutdown.attach(stack)) return;
  console.log(describe(stack, gatewayPort));
  console.log(`ready in ${((performance.now() - began) / 1000).toFixed(1)} s (Ctrl-C stops it)`);
}

function readSettings(): { persist: boolean; gatewayPort: number } {
  let persist: boolean;
  try {
    ({
      values: { persist = false },
    } = parseArgs({ options: { persist: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    exitWithUsage((error as Error).message);
  }
  const portText = process.env.PORT ?? String(defaultGatewayPort);
  const gatewayPort = Number(portText);
  if (!/^\d+$/.test(portText) || gatewayPort < 1 || gatewayPort > 65_535) {
    exitWithUsage(`PORT must be a TCP port (1-65535), got '${portText}'`);
  }
  return { persist, gatewayPort };
}

function exitWithUsage(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

function describe(stack: LocalStack, gatewayPort: number): string {
  const variables = {
    ...stack.environment,
    ...(stack.usesFakeCredentials ? fakeCredentials : {}),
  };
  const storage = stack.persist
    ? 'tables and keys persist in the state directory; queues are in memory (fauxqs)'
    : 'everything in memory (restart with --persist to keep tables and keys)';
  return [
    'webhook-ingestion: local stack',
    `  KMS (stand-in)    ${stack.endpoints.kms}`,
    `  DynamoDB Local    ${stack.endpoints.dynamodb}`,
    `  SQS (fauxqs)      ${stack.endpoints.sqs}`,
    `  gateway           port ${gatewayPort} reserved; the HTTP front and handler come next`,
    `  ${storage}`,
    `  stack file        ${relative(process.cwd(), stack.stackFile)}`,
    '',
    'To use the AWS CLI or SDK against it, export:',
    ...Object.entries(variables).map(([name, value]) => `  export ${name}='${value}'`),
    '',
  ].join('\n');
}

/**
 * First SIGINT or SIGTERM: stop the stack (once it has started) and exit 0. A second one while
 * stopping exits at once; DynamoDB Local's JVM is then killed by its `exit` hook.
 */
function stopOnSignals() {
  let stack: LocalStack | undefined;
  let signalled: NodeJS.Signals | undefined;
  const stop = (running: LocalStack) => {
    console.log(`\n${signalled}: stopping the local stack`);
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled !== undefined) process.exit(1);
    signalled = signal;
    if (stack) stop(stack);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    /** Hands over the started stack; true when a signal came first and it is being stopped. */
    attach(started: LocalStack): boolean {
      stack = started;
      if (signalled !== undefined) stop(started);
      return signalled !== undefined;
    },
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
