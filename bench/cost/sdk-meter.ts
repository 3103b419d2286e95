/**
 * Every AWS SDK call made inside `recordSdkCalls(run)`, whichever client made it: the handler
 * creates its clients itself (createIngestPorts), so the meter is an SDK middleware added to each
 * client at its first `send`, through the `send` that all SDK v3 clients inherit. A client the
 * ingest path adds later (S3 for a claim check) is metered with no change here.
 *
 * Calls are attributed by async context (AsyncLocalStorage), so the stand-ins' own SDK calls
 * and anything outside `run` are not counted. SDK retries happen below the `initialize` step:
 * a call is one record, and `attempts` says how many requests it took on the wire.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One SDK call, as the client sent it and as it ended. */
export interface SdkCall {
  /** The client's service, e.g. `DynamoDB`, `SQS`, `KMS`, `S3`. */
  readonly service: string;
  /** The operation, e.g. `PutItem`. */
  readonly command: string;
  /** The input as sent, after any rewrite the meter was given. */
  readonly input: Readonly<Record<string, unknown>>;
  /** @default - undefined when the call failed */
  readonly output?: Readonly<Record<string, unknown>>;
  /** The error's name when the call failed. @default - undefined when it succeeded */
  readonly errorName?: string;
  /** `performance.now()` when the call started and ended. */
  readonly startMs: number;
  readonly endMs: number;
  /** Each attempt on the wire: when the request left the client and when its response came back. */
  readonly wire: readonly (readonly [number, number])[];
  /**
   * CPU time this process spent while the call was on the wire (milliseconds): the in-process
   * stand-ins' work, which is not the handler's.
   */
  readonly wireCpuMs: number;
  readonly attempts: number;
  /** Request body bytes on the wire, summed over attempts. */
  readonly requestBytes: number;
  /** Response body bytes (their Content-Length), summed over attempts. */
  readonly responseBytes: number;
}

/** Changes a call's input before it is sent, e.g. to ask DynamoDB for its consumed capacity. */
export type InputRewrite = (
  service: string,
  command: string,
  input: Readonly<Record<string, unknown>>,
) => Readonly<Record<string, unknown>>;

type MutableCall = {
  -readonly [Key in keyof SdkCall]: SdkCall[Key];
} & { wire: [number, number][] };

type Handler = (args: HandlerArgs) => Promise<HandlerOutput>;
interface HandlerArgs {
  readonly input: Readonly<Record<string, unknown>>;
  readonly request?: { readonly body?: unknown };
}
interface HandlerOutput {
  readonly output?: Readonly<Record<string, unknown>>;
  readonly response?: { readonly headers?: Readonly<Record<string, string>> };
}
interface MiddlewareContext {
  readonly clientName?: string;
  readonly commandName?: string;
}
interface MeteredClient {
  readonly middlewareStack: {
    add(
      middleware: (next: Handler, context: MiddlewareContext) => Handler,
      options: { step: 'initialize' | 'finalizeRequest'; name: string; priority?: 'low' },
    ): void;
  };
}
type Send = (this: MeteredClient, ...args: unknown[]) => Promise<unknown>;

const recording = new AsyncLocalStorage<MutableCall[]>();

/**
 * Meters every SDK client of this process from its next `send` on; returns the function that
 * stops adding the meter to new clients (clients already metered record only inside
 * `recordSdkCalls`, so they may be left as they are).
 */
export function installSdkMeter(rewrite: InputRewrite = (_service, _command, input) => input) {
  // Every SDK v3 client class extends the same base, which owns `send`.
  const base = Object.getPrototypeOf(DynamoDBClient.prototype) as { send: Send };
  const original = base.send;
  const metered = new WeakSet<object>();
  base.send = function send(this: MeteredClient, ...args: unknown[]) {
    if (!metered.has(this)) {
      metered.add(this);
      addMeter(this, rewrite);
    }
    return original.apply(this, args);
  };
  return () => {
    base.send = original;
  };
}

/** Runs `run` and answers what it returned and every SDK call made within it, in order. */
export async function recordSdkCalls<T>(
  run: () => Promise<T>,
): Promise<{ result: T; calls: SdkCall[] }> {
  const calls: MutableCall[] = [];
  const result = await recording.run(calls, run);
  return { result, calls };
}

function addMeter(client: MeteredClient, rewrite: InputRewrite): void {
  const open = new WeakMap<MiddlewareContext, MutableCall>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const calls = recording.getStore();
      if (calls === undefined) return next(args);
      const service = String(context.clientName).replace(/Client$/, '');
      const command = String(context.commandName).replace(/Command$/, '');
      const input = rewrite(service, command, args.input);
      const call: MutableCall = {
        service,
        command,
        input,
        startMs: performance.now(),
        endMs: Number.NaN,
        wire: [],
        wireCpuMs: 0,
        attempts: 0,
        requestBytes: 0,
        responseBytes: 0,
      };
      calls.push(call);
      open.set(context, call);
      try {
        const result = await next({ ...args, input });
        if (result.output !== undefined) call.output = result.output;
        return result;
      } catch (error) {
        call.errorName = (error as { name?: string }).name ?? 'Error';
        throw error;
      } finally {
        call.endMs = performance.now();
      }
    },
    { step: 'initialize', name: 'costMeterCall' },
  );
  // Last of its step: after retries and signing, so each attempt on the wire is timed alone.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const call = open.get(context);
      if (call === undefined) return next(args);
      call.attempts += 1;
      call.requestBytes += bodyBytes(args.request?.body);
      const sentAt = performance.now();
      const cpuAtSend = process.cpuUsage();
      try {
        const result = await next(args);
        call.responseBytes += Number(result.response?.headers?.['content-length'] ?? 0);
        return result;
      } finally {
        call.wire.push([sentAt, performance.now()]);
        const cpu = process.cpuUsage(cpuAtSend);
        call.wireCpuMs += (cpu.user + cpu.system) / 1000;
      }
    },
    { step: 'finalizeRequest', name: 'costMeterWire', priority: 'low' },
  );
}

function bodyBytes(body: unknown): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}
