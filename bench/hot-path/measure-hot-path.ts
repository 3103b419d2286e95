/**
 * The ingest handler's warm accepted delivery against the bare baseline (bare-baseline.ts), in
 * one run on one local stack (the stand-ins `npm start` runs): the handler is invoked and metered
 * as the cost tool invokes it (bench/cost/measure-paths.ts), and so is the baseline. The two
 * take turns in batches, the first of each round alternating, so that a burst of load on this
 * machine lands on both alike.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { RestApiProxyEvent } from '../../functions/ingest/http-event.ts';
import type { HttpResponse } from '../../functions/ingest/ingest.ts';
import { signerFor } from '../../functions/verify/schemes/signers.ts';
import { startLocalStack } from '../../local/stack.ts';
import { fixedId, jsonEvent, restDelivery } from '../cost/deliveries.ts';
import { askForConsumedCapacity } from '../cost/dynamodb-units.ts';
import {
  type EmulatedContext,
  emulateLambdaEnvironment,
  invocationContext,
} from '../cost/lambda-emulation.ts';
import { captureLogLines } from '../cost/log-capture.ts';
import { registerProviders } from '../cost/measure-paths.ts';
import {
  type Aggregate,
  aggregate,
  coveredMs,
  type Sample,
  sampleOf,
} from '../cost/path-measurement.ts';
import { measuredProviders } from '../cost/paths.ts';
import { installSdkMeter, recordSdkCalls, type SdkCall } from '../cost/sdk-meter.ts';
import { type BaselineMessage, bareBaseline } from './bare-baseline.ts';
import { type ClaimShapeName, measureClaimAlone } from './claim-alone.ts';

export type MeasuredClass = keyof typeof measuredProviders;

export const variantNames = ['handler', 'baseline'] as const;
export type VariantName = (typeof variantNames)[number];

export interface HotPathOptions {
  /** Deliveries timed per variant. */
  readonly deliveries: number;
  /** Deliveries per variant sent first, untimed (the first one loads the handler's caches). */
  readonly warmup: number;
  /** Deliveries of one variant in a row before the other takes its turn. */
  readonly batch: number;
  /** The JSON body's size. @default 4096 */
  readonly bodyBytes?: number;
  /** The provider's retention class: `standard` keeps a payload copy, `minimal` none. @default 'standard' */
  readonly retentionClass?: MeasuredClass;
}

export interface VariantMeasurement {
  /** Wall time of each timed delivery, in milliseconds, in the order made. */
  readonly wallMs: readonly number[];
  /** The calls and units most samples agreed on (bench/cost/path-measurement.ts). */
  readonly units: Aggregate['units'];
  readonly matchingSamples: number;
  /** Each timed delivery's calls, as `command: milliseconds` from start to end, in call order. */
  readonly callMs: readonly (readonly CallTime[])[];
  /** Each timed delivery's wall time outside every AWS call: the code's own time. */
  readonly ownMs: readonly number[];
}

export interface CallTime {
  readonly call: string;
  readonly ms: number;
}

export type HotPathMeasurement = Readonly<Record<VariantName, VariantMeasurement>> & {
  /** The handler's first call alone beside the baseline's put (claim-alone.ts). */
  readonly claimAlone: Readonly<Record<ClaimShapeName, readonly number[]>>;
};

type Handler = (event: RestApiProxyEvent, context: EmulatedContext) => Promise<HttpResponse>;

/** Both variants measured; throws if the handler answers anything but 202 Accepted. */
export async function measureHotPath(options: HotPathOptions): Promise<HotPathMeasurement> {
  const stateDirectory = await mkdtemp(join(tmpdir(), 'webhooks-hot-path-'));
  const uninstall = installSdkMeter(askForConsumedCapacity);
  // Before the handler is imported: Powertools reads these when its module loads.
  emulateLambdaEnvironment();
  const stack = await startLocalStack({ stateDirectory, createSubjectIndexSecret: false });
  let baseline: ReturnType<typeof bareBaseline> | undefined;
  try {
    const provider = measuredProviders[options.retentionClass ?? 'standard'];
    await registerProviders(stack.resources.tables.registry, [provider]);
    const { handler } = (await import('../../functions/ingest/handler.ts')) as unknown as {
      handler: Handler;
    };
    const signer = await signerFor('stripe');
    const bodyBytes = options.bodyBytes ?? 4096;
    const eventOf = (n: number) =>
      restDelivery(signer, {
        ...provider,
        body: jsonEvent(fixedId('evt_hot_', n, 28), bodyBytes),
        sourceIp: '54.187.174.169',
      });
    let handlerCount = 0;
    const deliverToHandler = async () => {
      const event = eventOf(handlerCount++);
      const context = invocationContext(512);
      return timed(async () => {
        const response = await handler(event, context);
        if (response.statusCode !== 202) {
          throw new Error(`the handler answered ${response.statusCode}: ${response.body}`);
        }
        return response;
      });
    };
    // The first delivery warms the handler (provider cache, data key, connections) and shows
    // the envelope and the table the baseline is to use.
    const first = await deliverToHandler();
    baseline = bareBaseline(baselineTargets(first.calls));
    const base = baseline;
    let baselineCount = 0;
    const deliverToBaseline = () => {
      const n = baselineCount++;
      return timed(() => base.deliver(n));
    };
    const samples = await takeTurns(
      { handler: deliverToHandler, baseline: deliverToBaseline },
      options,
    );
    return {
      handler: summarise(samples.handler, 202),
      baseline: summarise(samples.baseline, 0),
      claimAlone: await measureClaimAlone(claimOf(first.calls), {
        writes: options.deliveries,
        batch: options.batch,
      }),
    };
  } finally {
    baseline?.destroy();
    await stack.stop();
    uninstall();
    await rm(stateDirectory, { recursive: true, force: true });
  }
}

interface Timed {
  readonly wallMs: number;
  readonly calls: SdkCall[];
  readonly startMs: number;
  readonly endMs: number;
}

/** Runs one delivery metered, its log lines captured (and dropped), and times it. */
async function timed(run: () => Promise<unknown>): Promise<Timed> {
  const startMs = performance.now();
  const {
    result: { calls },
  } = await captureLogLines(() => recordSdkCalls(run));
  const endMs = performance.now();
  return { wallMs: endMs - startMs, calls, startMs, endMs };
}

/**
 * Warm-up, then timed deliveries, both in alternating batches: round r runs a batch of each
 * variant, the handler first in even rounds and the baseline first in odd ones.
 */
async function takeTurns(
  deliver: Readonly<Record<VariantName, () => Promise<Timed>>>,
  { deliveries, warmup, batch }: HotPathOptions,
): Promise<Record<VariantName, Timed[]>> {
  const timedSamples: Record<VariantName, Timed[]> = { handler: [], baseline: [] };
  const done: Record<VariantName, number> = { handler: 0, baseline: 0 };
  for (let round = 0; variantNames.some((name) => done[name] < warmup + deliveries); round++) {
    const order = round % 2 === 0 ? variantNames : [...variantNames].reverse();
    for (const name of order) {
      const end = Math.min(done[name] + batch, warmup + deliveries);
      for (; done[name] < end; done[name]++) {
        const sample = await deliver[name]();
        if (done[name] >= warmup) timedSamples[name].push(sample);
      }
    }
  }
  return timedSamples;
}

/** The queue, envelope and table the handler's accepted delivery used. */
function baselineTargets(calls: readonly SdkCall[]) {
  const send = calls.find((call) => call.service === 'SQS' && call.command === 'SendMessage');
  if (send === undefined) throw new Error(`the handler made no send: ${describeCalls(calls)}`);
  const { QueueUrl, MessageBody, MessageGroupId, MessageAttributes } = send.input;
  return {
    tableName: String(claimOf(calls).TableName),
    message: {
      queueUrl: String(QueueUrl),
      body: String(MessageBody),
      groupId: String(MessageGroupId),
      ...(MessageAttributes === undefined
        ? {}
        : { attributes: MessageAttributes as BaselineMessage['attributes'] }),
    },
  };
}

/**
 * The claim's input: the delivery item's conditional PutItem on the audit table, a warm path's
 * first call. The payload copy is a PutItem too; the claim is the one that asks for the item
 * already there when its condition fails (functions/audit/delivery-item.ts `claimPut`).
 */
function claimOf(calls: readonly SdkCall[]): PutItemCommandInput {
  const claim = calls.find(
    (call) =>
      call.service === 'DynamoDB' &&
      call.command === 'PutItem' &&
      call.input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
  );
  if (claim === undefined) throw new Error(`the handler made no claim: ${describeCalls(calls)}`);
  return claim.input as unknown as PutItemCommandInput;
}

const describeCalls = (calls: readonly SdkCall[]) =>
  calls.map((call) => `${call.service} ${call.command}`).join(', ') || 'none';

/** Wall times in order, and the calls and units read as the cost tool reads them. */
function summarise(samples: readonly Timed[], statusCode: number): VariantMeasurement {
  const units = aggregate(
    samples.map(
      (sample): Sample =>
        sampleOf({
          calls: sample.calls,
          lines: [],
          statusCode,
          responseBody: '',
          startMs: sample.startMs,
          endMs: sample.endMs,
          cpuMs: 0,
        }),
    ),
  );
  return {
    wallMs: samples.map((sample) => sample.wallMs),
    units: units.units,
    matchingSamples: units.matchingSamples,
    callMs: samples.map((sample) =>
      [...sample.calls]
        .sort((a, b) => a.startMs - b.startMs)
        .map((call) => ({
          call: `${call.service} ${call.command}`,
          ms: call.endMs - call.startMs,
        })),
    ),
    ownMs: samples.map(
      (sample) =>
        sample.wallMs - coveredMs(sample.calls.map((call) => [call.startMs, call.endMs] as const)),
    ),
  };
}
