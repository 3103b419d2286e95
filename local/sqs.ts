/**
 * SQS through fauxqs, in this process: its Fastify app listening on loopback. Queues and
 * messages live in memory only; fauxqs has no persistence.
 */
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type BuildAppOptions, buildApp } from 'fauxqs';
import {
  defaultStartTimeoutMs,
  type LocalService,
  LocalServiceStartError,
  loopbackHost,
  probeClientConfig,
  waitUntilAnswering,
  watchServer,
} from './ports.ts';

const service = 'fauxqs (SQS)';

export interface SqsLocalOptions {
  /**
   * Loopback port to listen on.
   * @default - a free port picked at random
   */
  readonly port?: number;
  /** @default 30_000 */
  readonly startTimeoutMs?: number;
}

/**
 * Starts fauxqs on loopback and resolves once it answers ListQueues. We build the app rather
 * than call fauxqs's `startFauxqs`, which listens on every interface and names queues
 * `http://sqs.<region>.localhost:<port>/...` (see `createStores`).
 * @example
 * const sqs = await startSqsLocal();
 * process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
 */
export async function startSqsLocal(options: SqsLocalOptions = {}): Promise<LocalService> {
  const app = buildApp({ logger: false, stores: await createStores() });
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    stopping ??= app.close().then(() => undefined);
    return stopping;
  };

  let endpoint: string;
  try {
    endpoint = await app.listen({ host: loopbackHost, port: options.port ?? 0 });
  } catch (cause) {
    await stop();
    throw new LocalServiceStartError(service, 'port_unavailable', String(cause), { cause });
  }

  const client = new SQSClient({ ...probeClientConfig, endpoint });
  try {
    await waitUntilAnswering(service, () => client.send(new ListQueuesCommand({})), {
      timeoutMs: options.startTimeoutMs ?? defaultStartTimeoutMs,
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  // Told if fauxqs's server fails or closes by itself, so that `npm start` can say so.
  const watched = watchServer(service, app.server);
  const stopOnPurpose = () => {
    watched.expectClose();
    return stop();
  };
  return { endpoint, stop: stopOnPurpose, ended: watched.ended };
}

type Stores = NonNullable<BuildAppOptions['stores']>;

/**
 * fauxqs's stores, with queue URLs on the endpoint's own origin
 * (`http://127.0.0.1:<port>/000000000000/<name>`).
 *
 * When the endpoint comes only from AWS_ENDPOINT_URL_SQS, the SQS client sends each call to the
 * origin of its QueueUrl (`useQueueUrlAsEndpoint`, on by default). fauxqs's default URLs use
 * `sqs.<region>.localhost`, which glibc does not resolve without a hosts entry, so every call
 * after CreateQueue would fail with ENOTFOUND. An empty `host` makes fauxqs build the URL from
 * the request's Host header instead. The store classes are missing from the package's exports
 * map, hence the import by file URL next to its entry point.
 */
async function createStores(): Promise<Stores> {
  const entryPoint = import.meta.resolve('fauxqs');
  const load = <T>(path: string) => import(new URL(path, entryPoint).href) as Promise<T>;
  const [{ SqsStore }, { SnsStore }, { S3Store }] = await Promise.all([
    load<{ SqsStore: new () => Stores['sqsStore'] }>('./sqs/sqsStore.js'),
    load<{ SnsStore: new () => Stores['snsStore'] }>('./sns/snsStore.js'),
    load<{ S3Store: new () => Stores['s3Store'] }>('./s3/s3Store.js'),
  ]);
  const sqsStore = new SqsStore();
  sqsStore.host = '';
  return { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() };
}

/**
 * A FIFO queue definition's attributes as CreateQueue takes them: the same high-throughput
 * mode as the CDK construct. fauxqs stores `DeduplicationScope` and `FifoThroughputLimit` and
 * deduplicates queue-wide, which is the same here: each delivery is its own group.
 */
export function fifoQueueAttributes(definition: {
  readonly fifo: boolean;
  readonly deduplicationScope: string;
  readonly fifoThroughputLimit: string;
}): Record<string, string> {
  if (!definition.fifo) return {};
  return {
    FifoQueue: 'true',
    ContentBasedDeduplication: 'false',
    DeduplicationScope: definition.deduplicationScope,
    FifoThroughputLimit: definition.fifoThroughputLimit,
  };
}
