/**
 * What the local stand-ins share: a loopback port, a bounded wait until the service answers,
 * the one error a failed start raises, and how a running one tells that it ended by itself.
 */
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The stand-ins are for this machine only; their endpoints always name loopback. */
export const loopbackHost = '127.0.0.1';

/** How long `start*Local` waits for a service to answer, unless told otherwise. */
export const defaultStartTimeoutMs = 30_000;

/** Between two readiness probes. */
const probeIntervalMs = 100;

/**
 * Settings for the SDK clients that probe a stand-in: any credentials and region are
 * accepted, and each probe fails fast so that the overall timeout is what bounds the wait.
 */
export const probeClientConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
};

/** A running stand-in. */
export interface LocalService {
  /** Base URL for `AWS_ENDPOINT_URL_<SERVICE>`, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** Stops the service and resolves once its port is released. Calling it again is harmless. */
  stop(): Promise<void>;
  /**
   * Resolves when the service ends by itself (a process that exits or is killed, a server that
   * fails or closes), saying which and how; never once `stop()` has been called.
   */
  readonly ended: Promise<ServiceEnd>;
}

export type LocalServiceName = 'DynamoDB Local' | 'fauxqs (SQS)' | 'KMS (stand-in)';

/** A stand-in that ended without being stopped. */
export interface ServiceEnd {
  readonly service: LocalServiceName;
  /** The child process it ran in; `undefined` for a server in this process. */
  readonly pid?: number;
  /** e.g. `exited with code 1`, `was killed by SIGKILL`, `failed (EMFILE)`, `closed`. */
  readonly how: string;
}

/** `DynamoDB Local (pid 4321) was killed by SIGKILL`, for a message. */
export function describeServiceEnd({ service, pid, how }: ServiceEnd): string {
  return pid === undefined ? `${service} ${how}` : `${service} (pid ${pid}) ${how}`;
}

/** How a child process ended, from its `exit` event: by a signal, else with its exit code. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
}

export interface WatchedServer {
  /** Resolves when the server fails or closes before `expectClose` was called. */
  readonly ended: Promise<ServiceEnd>;
  /** Call before closing the server on purpose. */
  expectClose(): void;
}

/**
 * Follows a listening server of this process. An `error` after `listen` (a failed accept)
 * would otherwise be thrown as an uncaught exception and end the whole process unexplained.
 */
export function watchServer(service: LocalServiceName, server: Server): WatchedServer {
  let expected = false;
  const ended = new Promise<ServiceEnd>((resolve) => {
    server.on('error', (error: NodeJS.ErrnoException) => {
      if (!expected) resolve({ service, how: `failed (${error.code ?? error.message})` });
    });
    server.once('close', () => {
      if (!expected) resolve({ service, how: 'closed' });
    });
  });
  return {
    ended,
    expectClose: () => {
      expected = true;
    },
  };
}

/** Why a stand-in did not start. */
export type StartFailure = 'port_unavailable' | 'not_found' | 'exited' | 'timeout';

/** A stand-in did not start; `service` and `reason` say which and why. */
export class LocalServiceStartError extends Error {
  override readonly name = 'LocalServiceStartError';
  readonly code = 'local_service_not_started';
  constructor(
    readonly service: LocalServiceName,
    readonly reason: StartFailure,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${service} did not start (${reason}): ${detail}`, options);
  }
}

/**
 * Resolves `port` once it is seen free on loopback, or a free port the OS picks when none is
 * given. Rejects with the `listen` error (`EADDRINUSE`) when the port is taken.
 */
export async function findFreePort(port = 0): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: loopbackHost, port, exclusive: true }, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error(`unexpected address for a TCP server: ${String(address)}`);
  }
  return address.port;
}

export interface ReadinessOptions {
  readonly timeoutMs: number;
  /** Throws when waiting longer is pointless, e.g. because the child process has exited. */
  readonly assertStillStarting?: () => void;
}

/** Calls `probe` until it resolves; a `timeout` LocalServiceStartError after `timeoutMs`. */
export async function waitUntilAnswering(
  service: LocalServiceName,
  probe: () => Promise<unknown>,
  { timeoutMs, assertStillStarting }: ReadinessOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    assertStillStarting?.();
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = `no answer within ${timeoutMs} ms (last error: ${String(lastError)})`;
      throw new LocalServiceStartError(service, 'timeout', detail, { cause: lastError });
    }
    await sleep(probeIntervalMs);
  }
}
