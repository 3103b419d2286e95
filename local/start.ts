/**
 * `npm start`: starts the local stack (KMS stand-in, DynamoDB Local, fauxqs), then the HTTP
 * front on PORT, which runs the ingest Lambda's own handler; prints how to reach them and runs
 * until SIGINT or SIGTERM, then stops the front and the stack so that no JVM outlives us.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  GatewayPortInUseError,
  type LocalGateway,
  startGateway,
  webhookResource,
} from './gateway.ts';
import { missingPrerequisites, prerequisites } from './prerequisites.ts';
import {
  fakeCredentials,
  type LocalStack,
  LocalStackRunningError,
  startLocalStack,
} from './stack.ts';
import { describeRecordedProcess, type LocalStackDescription } from './stack-file.ts';

const usage = 'usage: npm start [-- --persist]';
/** The HTTP front's port when PORT is unset; PORT=0 lets the OS pick a free one. */
const defaultGatewayPort = 3000;

async function main(): Promise<void> {
  const began = performance.now();
  const { persist, gatewayPort } = readSettings();
  refuseWithoutJava();
  // Listen before starting: a signal during the JVM's start must still stop it.
  const shutdown = stopOnSignals();
  const stack = await startLocalStack({ persist, onStaleStackFile: reportStale });
  let gateway: LocalGateway;
  try {
    gateway = await startGateway({ port: gatewayPort });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  if (shutdown.attach({ stack, gateway })) return;
  await stack.recordWebhookUrlTemplate(`${gateway.url}${webhookResource}`);
  console.log(describe(stack, gateway));
  for (const tool of missingPrerequisites(prerequisites.filter(forTheLoop))) {
    console.log(`note: the README's local loop needs ${tool}`);
  }
  console.log(`ready in ${((performance.now() - began) / 1000).toFixed(1)} s (Ctrl-C stops it)`);
}

/** Java runs DynamoDB Local: without it nothing can start, so say so before starting anything. */
function refuseWithoutJava(): void {
  const [missing] = missingPrerequisites(prerequisites.filter((tool) => tool.name === 'Java'));
  if (missing === undefined) return;
  console.error(`npm start needs ${missing}`);
  process.exit(2);
}

/** curl and openssl only sign and send the README's requests by hand: a note, not a refusal. */
const forTheLoop = (tool: { readonly name: string }) => ['curl', 'openssl'].includes(tool.name);

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
  if (!/^\d+$/.test(portText) || gatewayPort > 65_535) {
    exitWithUsage(`PORT must be a TCP port (0-65535, 0 for any free one), got '${portText}'`);
  }
  return { persist, gatewayPort };
}

function reportStale(stale: LocalStackDescription, path: string): void {
  console.log(
    `replacing the stale stack file ${relative(process.cwd(), path)}: ${describeRecordedProcess(stale)} is no longer running (it may have crashed)`,
  );
}

/** What to do about a start refused for its setting (exit code 2), else `undefined`. */
function refusalOf(error: unknown): string | undefined {
  if (error instanceof LocalStackRunningError) return error.message;
  if (error instanceof GatewayPortInUseError) {
    return `${error.message} (another \`npm start\`, from another folder?): stop what holds it, or start on another port: PORT=<port> npm start, or PORT=0 npm start for any free one`;
  }
  return undefined;
}

function exitWithUsage(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

function describe(stack: LocalStack, gateway: LocalGateway): string {
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
    `  gateway           ${gateway.url}${webhookResource}`,
    `  ${storage}`,
    `  stack file        ${relative(process.cwd(), stack.stackFile)}`,
    '',
    'To use the AWS CLI or SDK against it, export:',
    ...Object.entries(variables).map(([name, value]) => `  export ${name}='${value}'`),
    '',
  ].join('\n');
}

interface Running {
  readonly stack: LocalStack;
  readonly gateway: LocalGateway;
}

/**
 * First SIGINT or SIGTERM: stop the gateway, then the stack (once both have started), and exit
 * 0. A second one while stopping exits at once; DynamoDB Local's JVM is then killed by its
 * `exit` hook.
 */
function stopOnSignals() {
  let running: Running | undefined;
  let signalled: NodeJS.Signals | undefined;
  const stop = ({ stack, gateway }: Running) => {
    console.log(`\n${signalled}: stopping the gateway and the local stack`);
    // The gateway first: no request should reach a stack that is going away.
    gateway
      .close()
      .finally(() => stack.stop())
      .then(
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
    if (running) stop(running);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    /** Hands over what started; true when a signal came first and it is being stopped. */
    attach(started: Running): boolean {
      running = started;
      if (signalled !== undefined) stop(started);
      return signalled !== undefined;
    },
  };
}

main().catch((error: unknown) => {
  const refusal = refusalOf(error);
  console.error(refusal ?? (error instanceof Error ? error.message : error));
  process.exit(refusal === undefined ? 1 : 2);
});
