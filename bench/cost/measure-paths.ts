/**
 * Runs the ingest Lambda's own handler (functions/ingest/handler.ts: middy, Powertools, the ports
 * createIngestPorts wires) against the local stack `npm start` runs, and measures each path:
 * the AWS calls it makes and the units they cost, what it writes to its logs, and how long it
 * computes between calls. Warm container: each path is sent once before its samples are kept,
 * and samples of all paths take turns, so a burst of load on this machine lands on all alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { kmsKeys } from '../../functions/config/keys.ts';
import type { RestApiProxyEvent } from '../../functions/ingest/http-event.ts';
import type { HttpResponse } from '../../functions/ingest/ingest.ts';
import { withDefaults } from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { encryptProviderKey } from '../../functions/registry/secrets.ts';
import { signerFor } from '../../functions/verify/schemes/signers.ts';
import { startLocalStack } from '../../local/stack.ts';
import { askForConsumedCapacity } from './dynamodb-units.ts';
import {
  type EmulatedContext,
  emulateLambdaEnvironment,
  invocationContext,
} from './lambda-emulation.ts';
import { captureLogLines } from './log-capture.ts';
import { type Aggregate, aggregate, type Sample, sampleOf } from './path-measurement.ts';
import {
  measuredProviders,
  type PathName,
  pathNames,
  pathSample,
  type SampleSizes,
} from './paths.ts';
import { installSdkMeter, recordSdkCalls } from './sdk-meter.ts';

export interface MeasureOptions {
  /** Samples kept per path, after one warm-up. */
  readonly samples: number;
  readonly sizes: SampleSizes;
  /** The memory the emulated context reports (Powertools logs it). @default 512 */
  readonly memoryMb?: number;
}

type Handler = (event: RestApiProxyEvent, context: EmulatedContext) => Promise<HttpResponse>;

/** Each path's measurement. */
export async function measurePaths(options: MeasureOptions): Promise<Record<PathName, Aggregate>> {
  const stateDirectory = await mkdtemp(join(tmpdir(), 'webhooks-cost-'));
  const uninstall = installSdkMeter(askForConsumedCapacity);
  // Before the handler is imported: Powertools reads these when its module loads.
  emulateLambdaEnvironment();
  const stack = await startLocalStack({ stateDirectory, createSubjectIndexSecret: false });
  try {
    await registerProviders(stack.resources.tables.registry);
    const { handler } = (await import('../../functions/ingest/handler.ts')) as unknown as {
      handler: Handler;
    };
    const signer = await signerFor('stripe');
    const memoryMb = options.memoryMb ?? 512;
    const samples = Object.fromEntries(pathNames.map((path) => [path, [] as Sample[]]));
    for (let n = 0; n <= options.samples; n += 1) {
      for (const path of pathNames) {
        const { setUp, setUpEarlierMs = 0, measured } = pathSample(path, n, signer, options.sizes);
        for (const event of setUp) {
          // Captured too, so that its lines are not printed; they are not kept.
          await earlier(setUpEarlierMs, () =>
            captureLogLines(() => handler(event, invocationContext(memoryMb))),
          );
        }
        const sample = sampleOf(await invoke(handler, measured, invocationContext(memoryMb)));
        // Sample 0 warms the container for its path (caches, connections) and is not kept.
        if (n > 0) samples[path]?.push(sample);
      }
    }
    return Object.fromEntries(
      pathNames.map((path) => [path, aggregate(samples[path] ?? [])]),
    ) as Record<PathName, Aggregate>;
  } finally {
    await stack.stop();
    uninstall();
    await rm(stateDirectory, { recursive: true, force: true });
  }
}

/** Runs `work` with the clock `ms` behind: the handler reads the time from `Date.now`. */
async function earlier<T>(ms: number, work: () => Promise<T>): Promise<T> {
  if (ms === 0) return work();
  const now = Date.now;
  Date.now = () => now() - ms;
  try {
    return await work();
  } finally {
    Date.now = now;
  }
}

/** One invocation: its calls, its log lines, its answer and its time. */
async function invoke(handler: Handler, event: RestApiProxyEvent, context: EmulatedContext) {
  const startMs = performance.now();
  const cpuAtStart = process.cpuUsage();
  const {
    result: { result: response, calls },
    lines,
  } = await captureLogLines(() => recordSdkCalls(() => handler(event, context)));
  const endMs = performance.now();
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    calls,
    lines,
    statusCode: response.statusCode,
    responseBody: response.body,
    startMs,
    endMs,
  };
}

/** The measured providers (all, by default), registered as `webhooks providers add` registers them. */
export async function registerProviders(
  tableName: string,
  providers: readonly (typeof measuredProviders)[keyof typeof measuredProviders][] = Object.values(
    measuredProviders,
  ),
): Promise<void> {
  const dynamodb = new DynamoDBClient({});
  const kms = new KMSClient({});
  try {
    const registry = new ProviderRegistryStore({ dynamodb, tableName });
    for (const provider of providers) {
      const settings = withDefaults({
        providerId: provider.providerId,
        scheme: 'stripe',
        retentionClass: provider.retentionClass,
      });
      const ciphertext = await encryptProviderKey({
        kms,
        keyId: kmsKeys.secrets.alias,
        settings,
        keyKind: 'secret',
        value: provider.secret,
      });
      await registry.create({ ...settings, keys: [{ kind: 'secret', ciphertext }] });
    }
  } finally {
    dynamodb.destroy();
    kms.destroy();
  }
}
