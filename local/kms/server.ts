/**
 * A KMS-compatible endpoint for local development and tests: KMS has no emulator on npm.
 * It speaks AWS JSON 1.1 as @aws-sdk/client-kms does (POST /, `X-Amz-Target:
 * TrentService.<Operation>`, `Content-Type: application/x-amz-json-1.1`, errors as HTTP 400
 * `{"__type", "message"}`), so a client reaches it through `AWS_ENDPOINT_URL_KMS` alone.
 * It ignores SigV4 signatures, which is why it listens on loopback only. Browsers cannot
 * drive it from a web page either: `X-Amz-Target` forces a CORS preflight it never grants.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, isLoopbackAddress, isLoopbackHost, listen } from '../loopback.ts';
import { type ServiceEnd, watchServer } from '../ports.ts';
import {
  KmsError,
  NonLoopbackAddressError,
  SerializationError,
  UnknownOperationError,
} from './errors.ts';
import { createKeyStore, type KeyStore } from './key-store.ts';
import type { OperationContext, ResponseFields } from './operation-context.ts';
import { findOperation } from './operations.ts';
import { loadKeyStore, saveKeyStore } from './state-file.ts';
import type { RequestFields } from './wire-fields.ts';

export interface KmsStandInOptions {
  /**
   * A loopback address or `localhost`; anything else throws NonLoopbackAddressError.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /** @default 0 - the OS picks a free port */
  readonly port?: number;
  /** The region in key and alias ARNs; clients should use the same. @default 'us-east-1' */
  readonly region?: string;
  /** Where keys and aliases persist across restarts, with mode 0600. @default - memory only */
  readonly stateFile?: string;
  /** Receives one entry per request; never key material. @default - nothing is logged */
  readonly log?: (entry: KmsStandInLogEntry) => void;
}

/** What the stand-in reports about a request: no request or response bodies, ever. */
export interface KmsStandInLogEntry {
  readonly operation: string;
  readonly status: number;
  /** The ARN of the key the operation used, when the response names one. */
  readonly keyId?: string;
  /** The `__type` of the error answered. */
  readonly errorType?: string;
  readonly message?: string;
}

export interface KmsStandIn {
  /** For `AWS_ENDPOINT_URL_KMS`, e.g. `http://127.0.0.1:49152`. */
  readonly url: string;
  readonly region: string;
  /** Stops listening, drops kept-alive connections and waits for the last state write. */
  close(): Promise<void>;
  /** Resolves when the server fails or closes without `close()`; never after it. */
  readonly ended: Promise<ServiceEnd>;
}

const targetPrefix = 'TrentService.';
const jsonContentType = 'application/x-amz-json-1.1';
/** Far above the largest legal request (a 6144-byte blob in base64 plus a context). */
const maxRequestBodyBytes = 256 * 1024;

/**
 * Starts the KMS stand-in on loopback.
 * @example
 * const kms = await startKmsStandIn();
 * process.env.AWS_ENDPOINT_URL_KMS = kms.url;
 */
export async function startKmsStandIn(options: KmsStandInOptions = {}): Promise<KmsStandIn> {
  const { host = '127.0.0.1', port = 0, region = 'us-east-1', stateFile, log } = options;
  if (!isLoopbackHost(host)) throw new NonLoopbackAddressError(host);
  const store = stateFile ? await loadKeyStore(stateFile, region) : createKeyStore(region);
  const context: OperationContext = {
    store,
    randomBytes,
    newKeyId: randomUUID,
    now: () => new Date(),
  };
  const persist = stateFile ? serialisedSaver(stateFile, store) : undefined;
  const server = createServer((request, response) => {
    void answer(request, response, context, persist, log);
  });
  const address = await listen(server, host, port);
  // `localhost` is resolved by the OS; check what was actually bound.
  if (!isLoopbackAddress(address.address)) {
    await closeServer(server);
    throw new NonLoopbackAddressError(address.address);
  }
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const watched = watchServer('KMS (stand-in)', server);
  return {
    url: `http://${urlHost}:${address.port}`,
    region,
    ended: watched.ended,
    close: async () => {
      watched.expectClose();
      await closeServer(server);
      await persist?.settled();
    },
  };
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  context: OperationContext,
  persist: StateSaver | undefined,
  log: KmsStandInOptions['log'],
): Promise<void> {
  const target = request.headers['x-amz-target'];
  const operationName =
    typeof target === 'string' && target.startsWith(targetPrefix)
      ? target.slice(targetPrefix.length)
      : 'unknown';
  try {
    const body = await readBody(request);
    const operation = findOperation(operationName);
    if (request.method !== 'POST' || request.url !== '/' || !operation) {
      const named = typeof target === 'string' ? `'${target}'` : 'no X-Amz-Target';
      throw new UnknownOperationError(
        `no operation for ${request.method} ${request.url} with ${named}`,
      );
    }
    const result = operation.run(context, parseFields(request, body));
    if (operation.mutates) await persist?.save();
    send(response, 200, result);
    log?.({ operation: operationName, status: 200, ...keyIdOf(result) });
  } catch (error) {
    if (error instanceof KmsError) {
      send(response, 400, { __type: error.code, message: error.message });
      log?.({
        operation: operationName,
        status: 400,
        errorType: error.code,
        message: error.message,
      });
      return;
    }
    // An unexpected error's message is not ours to vouch for: neither send nor log it.
    send(response, 500, { __type: 'KMSInternalException', message: 'KMS stand-in failure' });
    log?.({ operation: operationName, status: 500, errorType: 'KMSInternalException' });
  }
}

/** The whole body, drained even when too long so the kept-alive connection stays usable. */
async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length <= maxRequestBodyBytes) chunks.push(chunk);
  }
  if (length > maxRequestBodyBytes) {
    throw new SerializationError(`request body exceeds ${maxRequestBodyBytes} bytes`);
  }
  return Buffer.concat(chunks);
}

function parseFields(request: IncomingMessage, body: Buffer): RequestFields {
  const contentType = request.headers['content-type']?.split(';')[0]?.trim();
  if (contentType !== jsonContentType) {
    throw new SerializationError(`expected Content-Type ${jsonContentType}`);
  }
  let fields: unknown;
  try {
    fields = JSON.parse(body.toString('utf8'));
  } catch {
    // No `cause`: the parser's message quotes the body, which may be plaintext.
    throw new SerializationError('the request body is not valid JSON');
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new SerializationError('the request body is not a JSON object');
  }
  return fields as RequestFields;
}

function send(response: ServerResponse, status: number, body: ResponseFields): void {
  response.writeHead(status, {
    'content-type': jsonContentType,
    'x-amzn-requestid': randomUUID(),
  });
  response.end(JSON.stringify(body));
}

function keyIdOf(result: ResponseFields): { keyId?: string } {
  return typeof result.KeyId === 'string' ? { keyId: result.KeyId } : {};
}

interface StateSaver {
  save(): Promise<void>;
  /** Resolves once every save asked for so far has finished, failed or not. */
  settled(): Promise<void>;
}

/** Saves one at a time, in order, so two writes never race on the temporary file. */
function serialisedSaver(path: string, store: KeyStore): StateSaver {
  let last: Promise<void> = Promise.resolve();
  return {
    save() {
      const next = last.then(() => saveKeyStore(path, store));
      last = next.catch(() => undefined);
      return next;
    },
    settled: () => last,
  };
}
