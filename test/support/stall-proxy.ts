/**
 * A loopback TCP proxy in front of a stand-in that can stall: it keeps accepting connections
 * but forwards nothing either way, as a service whose process is paused or whose network drops
 * every packet. Clients see connections open and requests written, and no answer: only their
 * own timeouts end the wait. Bytes sent while stalled are dropped, never delivered late, so a
 * request given up during a stall has not reached the service.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { loopbackHost } from '../../local/ports.ts';

export interface StallProxy {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly endpoint: string;
  /** From now on forwards nothing: open connections fall silent, new ones are silent from the start. */
  stall(): void;
  /**
   * Stalls at the first bytes that contain `marker` (e.g. `TransactWriteItems`, from the
   * `X-Amz-Target` header of a JSON-protocol request), which are not forwarded.
   */
  stallOn(marker: string): void;
  /** Forwards again: silent connections are closed (what they carried was lost), new ones forwarded. */
  resume(): void;
  /** Connections that fell silent or were accepted silent since the proxy started. */
  readonly silencedConnections: number;
  close(): Promise<void>;
}

export interface StallProxyOptions {
  /** The loopback port to listen on. @default 0 (a free port) */
  readonly port?: number;
}

/**
 * Starts a proxy to `target` (a stand-in's endpoint URL) on a loopback port.
 * @example
 * const proxy = await startStallProxy(stack.services.dynamodb.endpoint);
 * vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', proxy.endpoint);
 * proxy.stall();
 */
export async function startStallProxy(
  target: string,
  options: StallProxyOptions = {},
): Promise<StallProxy> {
  const { hostname, port } = new URL(target);
  /** Each client connection, with its connection to the target while it forwards. */
  const connections = new Map<Socket, Socket | undefined>();
  let stalled = false;
  let marker: string | undefined;
  let silencedConnections = 0;

  const silence = (client: Socket) => {
    const upstream = connections.get(client);
    connections.set(client, undefined);
    upstream?.destroy();
    silencedConnections += 1;
  };
  const stall = () => {
    stalled = true;
    for (const [client, upstream] of connections) if (upstream !== undefined) silence(client);
  };

  const server = createServer((client) => {
    connections.set(client, undefined);
    client.on('close', () => connections.delete(client));
    client.on('error', () => client.destroy());
    // Read always, so that a silent connection takes the client's bytes and drops them.
    client.on('data', (chunk: Buffer) => {
      const upstream = connections.get(client);
      if (upstream === undefined) return;
      if (marker !== undefined && chunk.includes(marker)) {
        stall();
        return;
      }
      upstream.write(chunk);
    });
    if (stalled) {
      silencedConnections += 1;
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    connections.set(client, upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (connections.get(client) === upstream) client.write(chunk);
    });
    upstream.on('close', () => {
      if (connections.get(client) === upstream) client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, loopbackHost, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');

  return {
    endpoint: `http://${loopbackHost}:${address.port}`,
    stall,
    stallOn(text) {
      marker = text;
    },
    resume() {
      stalled = false;
      marker = undefined;
      for (const [client, upstream] of connections) if (upstream === undefined) client.destroy();
    },
    get silencedConnections() {
      return silencedConnections;
    },
    async close() {
      for (const [client, upstream] of connections) {
        upstream?.destroy();
        client.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
