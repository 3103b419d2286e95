/**
 * `npm start`: starts the local stack (KMS stand-in, DynamoDB Local, fauxqs), then the HTTP
 * front on PORT, which runs the ingest Lambda's own handler; prints how to reach them and runs
 * until SIGINT or SIGTERM, then stops the front and the stack so that no JVM outlives us. If a
 * stand-in ends by itself, it says which and how, stops the rest and exits 1.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { auditDigests } from '../functions/config/audit-digests.ts';
import { consumerTable } from '../functions/config/tables.ts';
import { ConsumerModuleError, type LocalConsumer, startLocalConsumer } from './consumer-loop.ts';
import { type LocalDigests, startLocalDigests } from './digest-loop.ts';
import {
  GatewayPortInUseError,
  type LocalGateway,
  startGateway,
  webhookResource,
} from './gateway.ts';
import { describeServiceEnd, type ServiceEnd } from './ports.ts';
import { missingPrerequisites, prerequisites } from './prerequisites.ts';
import {
  fakeCredentials,
  type LocalStack,
  LocalStackRunningError,
  startLocalStack,
} from './stack.ts';
import { describeRecordedProcess, type LocalStackDescription } from './stack-file.ts';

const usage = 'usage: npm start [-- [--persist] [--consumer <module>] | --help]';

/** What `--persist` keeps, and what it cannot: said by `--help` and by the start-up lines. */
const persistence =
  'tables, items, keys and aliases persist in .local/, queues and the payload bucket never; a write DynamoDB Local had not answered when it died may be lost';

const help = [
  usage,
  '',
  "  --persist    keep the stack's data across restarts (see docs/local-stack.md):",
  `               ${persistence}`,
  '  --consumer <module>',
  "               run the module's default export (a handler, or a map of them by provider and",
  '               event type) on the local queue, as a consumer Lambda runs it (docs/consumer.md)',
  '  --help       print this and exit',
  "  PORT=<port>  the gateway's port (default 3000; PORT=0 for any free one)",
].join('\n');
/** The HTTP front's port when PORT is unset; PORT=0 lets the OS pick a free one. */
const defaultGatewayPort = 3000;

async function main(): Promise<void> {
  const began = performance.now();
  const { persist, gatewayPort, consumerModule } = readSettings();
  refuseWithoutJava();
  // Listen before starting: a signal during the JVM's start must still stop it.
  const shutdown = stopOnSignals();
  const stack = await startLocalStack({ persist, onStaleStackFile: reportStale });
  void stack.ended.then(shutdown.serviceEnded);
  let gateway: LocalGateway;
  let consumer: LocalConsumer | undefined;
  let digests: LocalDigests;
  try {
    gateway = await startGateway({ port: gatewayPort });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  try {
    digests = await startLocalDigests();
    consumer =
      consumerModule === undefined
        ? undefined
        : await startLocalConsumer({
            modulePath: consumerModule,
            queueUrl: stack.resources.queueUrl,
            tableName: stack.resources.tables.consumer ?? consumerTable.localName,
          });
  } catch (error) {
    await gateway.close().finally(() => stack.stop());
    throw error;
  }
  if (shutdown.attach({ stack, gateway, consumer, digests })) return;
  await stack.recordWebhookUrlTemplate(`${gateway.url}${webhookResource}`);
  console.log(describe(stack, gateway, consumerModule));
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

function readSettings(): { persist: boolean; gatewayPort: number; consumerModule?: string } {
  let persist: boolean;
  let helpAsked: boolean;
  let consumerModule: string | undefined;
  try {
    ({
      values: { persist = false, help: helpAsked = false, consumer: consumerModule },
    } = parseArgs({
      options: {
        persist: { type: 'boolean' },
        consumer: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    exitWithUsage((error as Error).message);
  }
  if (helpAsked) {
    console.log(help);
    process.exit(0);
  }
  const portText = process.env.PORT ?? String(defaultGatewayPort);
  const gatewayPort = Number(portText);
  if (!/^\d+$/.test(portText) || gatewayPort > 65_535) {
    exitWithUsage(`PORT must be a TCP port (0-65535, 0 for any free one), got '${portText}'`);
  }
  return { persist, gatewayPort, ...(consumerModule === undefined ? {} : { consumerModule }) };
}

function reportStale(stale: LocalStackDescription, path: string): void {
  console.log(
    `replacing the stale stack file ${relative(process.cwd(), path)}: ${describeRecordedProcess(stale)} is no longer running (it may have crashed)`,
  );
}

/** What to do about a start refused for its setting (exit code 2), else `undefined`. */
function refusalOf(error: unknown): string | undefined {
  if (error instanceof LocalStackRunningError) return error.message;
  if (error instanceof ConsumerModuleError) return error.message;
  if (error instanceof GatewayPortInUseError) {
    return `${error.message} (another \`npm start\`, from another folder?): stop what holds it, or start on another port: PORT=<port> npm start, or PORT=0 npm start for any free one`;
  }
  return undefined;
}

function exitWithUsage(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

function describe(stack: LocalStack, gateway: LocalGateway, consumerModule?: string): string {
  const variables = {
    ...stack.environment,
    ...(stack.usesFakeCredentials ? fakeCredentials : {}),
  };
  const storage = stack.persist
    ? persistence
    : 'everything in memory (restart with --persist to keep tables and keys; queues never)';
  return [
    'webhook-ingestion: local stack',
    `  KMS (stand-in)    ${stack.endpoints.kms}`,
    `  DynamoDB Local    ${stack.endpoints.dynamodb}`,
    `  SQS (fauxqs)      ${stack.endpoints.sqs}`,
    `  gateway           ${gateway.url}${webhookResource}`,
    ...(consumerModule === undefined ? [] : [`  consumer          ${consumerModule}`]),
    `  audit digests     every ${auditDigests.local.periodSeconds} s, signed (webhooks audit verify --local)`,
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
  /** @default - none: no --consumer */
  readonly consumer?: LocalConsumer | undefined;
  readonly digests: LocalDigests;
}

/** Why everything is being stopped: what to say first, and the exit code once stopped. */
interface Stopping {
  readonly announce: () => void;
  readonly exitCode: number;
}

/**
 * Stops the gateway, then the stack (once both have started), on the first of: SIGINT or
 * SIGTERM (exit 0), or a stand-in that ends by itself (exit 1, after naming it and how it
 * ended on stderr). Exiting rather than restarting it: a DynamoDB Local started again in
 * memory has lost every table and registered provider, and whatever killed it (memory, a
 * broken Java, a `kill`) would likely kill it again, so a stack that carried on would answer
 * for a state that is gone. A second signal while stopping exits at once; DynamoDB Local's JVM
 * is then killed by its `exit` hook.
 */
function stopOnSignals() {
  let running: Running | undefined;
  let stopping: Stopping | undefined;
  const stop = (
    { stack, gateway, consumer, digests }: Running,
    { announce, exitCode }: Stopping,
  ) => {
    announce();
    // The consumer, the digests and the gateway first: nothing should reach a stack that is
    // going away.
    Promise.all([consumer?.stop(), digests.stop()])
      .then(() => gateway.close())
      .finally(() => stack.stop())
      .then(
        () => process.exit(exitCode),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  const begin = (reason: Stopping) => {
    stopping = reason;
    if (running) stop(running, reason);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping !== undefined) process.exit(1);
    begin({
      announce: () => console.log(`\n${signal}: stopping the gateway and the local stack`),
      exitCode: 0,
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    /** Hands over what started; true when a signal or an end came first and it is being stopped. */
    attach(started: Running): boolean {
      running = started;
      if (stopping !== undefined) stop(started, stopping);
      return stopping !== undefined;
    },
    /**
     * A stand-in ended by itself. Ignored once stopping: Ctrl-C in a terminal reaches DynamoDB
     * Local's JVM too (same process group), which then exits on its own signal.
     */
    serviceEnded(end: ServiceEnd): void {
      if (stopping !== undefined) return;
      begin({
        announce: () =>
          console.error(
            `npm start: ${describeServiceEnd(end)}; stopping the gateway and the local stack`,
          ),
        exitCode: 1,
      });
    },
  };
}

main().catch((error: unknown) => {
  const refusal = refusalOf(error);
  console.error(refusal ?? (error instanceof Error ? error.message : error));
  process.exit(refusal === undefined ? 1 : 2);
});
