import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisabledException,
  DisableKeyCommand,
  GenerateDataKeyCommand,
  type GenerateDataKeyCommandInput,
  KMSClient,
  KMSServiceException,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  auditFieldsKmsContext,
  DataKeyCache,
  type DataKeyCacheOptions,
  DecryptedDataKeyCache,
} from '../../functions/audit/data-key-cache.ts';
import {
  DataKeyRejectedError,
  FieldEncryptionOptionsError,
  KeyServiceUnavailableError,
} from '../../functions/audit/errors.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { startKmsStandIn } from '../../local/kms/server.ts';
import { type StandInWithClient, startWithClient } from '../local/kms/stand-in.ts';
import { manualClock } from '../support/clock.ts';

let local: StandInWithClient;
let keyId: string;
const alias: string = kmsKeys.audit.alias;
const clients: KMSClient[] = [];

beforeAll(async () => {
  local = await startWithClient();
  const { KeyMetadata } = await local.kms.send(new CreateKeyCommand({}));
  keyId = KeyMetadata?.KeyId ?? '';
  await local.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
});

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

afterAll(() => local.close());

interface KmsCall {
  readonly command: string;
  readonly input: Record<string, unknown>;
  /** The data key as KMS returned it, before the cache could zero it. */
  plaintextCopy?: Buffer;
  /** The SDK's own array, which the cache zeroes when it drops the key. */
  plaintext?: Uint8Array;
}

/** A KMSClient reaching the stand-in through AWS_ENDPOINT_URL_KMS, recording every call. */
function recordingKms(config: ConstructorParameters<typeof KMSClient>[0] = {}) {
  const kms = new KMSClient(config);
  clients.push(kms);
  const calls: KmsCall[] = [];
  kms.middlewareStack.add(
    (next, context) => async (args) => {
      const call: KmsCall = {
        command: String(context.commandName),
        input: args.input as Record<string, unknown>,
      };
      calls.push(call);
      const result = await next(args);
      const plaintext = (result.output as { Plaintext?: Uint8Array }).Plaintext;
      if (plaintext) {
        call.plaintext = plaintext;
        call.plaintextCopy = Buffer.from(plaintext);
      }
      return result;
    },
    { step: 'initialize', name: 'recordKmsCalls' },
  );
  return { kms, calls };
}

function writerCache(options: Partial<DataKeyCacheOptions> = {}) {
  const { kms, calls } = recordingKms();
  const cache = new DataKeyCache({ kms, keyId: alias, ...options });
  /** The encrypted blob of the key a use of `bytes` would get. */
  const use = (bytes = 1) => cache.withDataKey(bytes, (key) => Buffer.from(key.encryptedKey));
  return { cache, calls, use };
}

const generateCalls = (calls: readonly KmsCall[]) =>
  calls.filter(({ command }) => command === 'GenerateDataKeyCommand');

describe('DataKeyCache', () => {
  it('asks KMS for an AES-256 data key under the purpose context, naming no delivery', async () => {
    const { calls, use } = writerCache();
    await use();
    expect(calls.map(({ command, input }) => ({ command, input }))).toEqual([
      {
        command: 'GenerateDataKeyCommand',
        input: { KeyId: alias, KeySpec: 'AES_256', EncryptionContext: auditFieldsKmsContext },
      },
    ]);
    expect(auditFieldsKmsContext).toEqual({ purpose: 'webhook-audit-fields' });
  });

  it('hands the callback the 32 key bytes and the blob KMS returned', async () => {
    const { cache, calls } = writerCache();
    const seen = await cache.withDataKey(1, (key) => ({
      plaintextKey: Buffer.from(key.plaintextKey),
      encryptedKey: Buffer.from(key.encryptedKey),
    }));
    expect(seen.plaintextKey).toEqual(calls[0]?.plaintextCopy);
    expect(seen.plaintextKey).toHaveLength(32);
    expect(seen.encryptedKey.length).toBeGreaterThan(0);
  });

  it('reuses the data key for the next caller without calling KMS', async () => {
    const { calls, use } = writerCache();
    const first = await use();
    const second = await use();
    expect(second).toEqual(first);
    expect(calls).toHaveLength(1);
  });

  it('reuses the data key until just before five minutes, and rotates at five minutes', async () => {
    const clock = manualClock();
    const { calls, use } = writerCache({ now: clock.now });
    const first = await use();
    clock.advance(5 * 60 * 1000 - 1);
    expect(await use()).toEqual(first);
    clock.advance(1);
    expect(await use()).not.toEqual(first);
    expect(generateCalls(calls)).toHaveLength(2);
  });

  it('rotates by a configured age', async () => {
    const clock = manualClock();
    const { calls, use } = writerCache({ now: clock.now, maxAgeMs: 1_000 });
    await use();
    clock.advance(999);
    await use();
    clock.advance(1);
    await use();
    expect(generateCalls(calls)).toHaveLength(2);
  });

  it('encrypts 10,000 messages under one data key by default, then rotates', async () => {
    const { calls, use } = writerCache();
    const first = await use();
    for (let message = 2; message <= 10_000; message += 1) await use();
    expect(calls).toHaveLength(1);
    expect(await use()).not.toEqual(first);
    expect(calls).toHaveLength(2);
  });

  it('rotates after a configured message count', async () => {
    const { calls, use } = writerCache({ maxMessages: 3 });
    const blobs = [await use(), await use(), await use(), await use()];
    expect(blobs[1]).toEqual(blobs[0]);
    expect(blobs[2]).toEqual(blobs[0]);
    expect(blobs[3]).not.toEqual(blobs[0]);
    expect(calls).toHaveLength(2);
  });

  it('rotates before a message would take the key past its byte limit', async () => {
    const { calls, use } = writerCache({ maxBytes: 100 });
    const first = await use(60);
    expect(await use(40)).toEqual(first);
    const second = await use(1);
    expect(second).not.toEqual(first);
    expect(calls).toHaveLength(2);
  });

  it('gives a message larger than the byte limit a data key of its own', async () => {
    const { calls, use } = writerCache({ maxBytes: 100 });
    const small = await use(10);
    const large = await use(101);
    const after = await use(10);
    expect(new Set([small, large, after].map((blob) => blob.toString('hex'))).size).toBe(3);
    expect(calls).toHaveLength(3);
  });

  it('lets concurrent first callers share one GenerateDataKey call', async () => {
    const { calls, use } = writerCache();
    const blobs = await Promise.all(Array.from({ length: 20 }, () => use()));
    expect(calls).toHaveLength(1);
    expect(new Set(blobs.map((blob) => blob.toString('hex'))).size).toBe(1);
  });

  it('serves ten concurrent callers with three messages per key from four keys', async () => {
    const { calls, use } = writerCache({ maxMessages: 3 });
    const blobs = await Promise.all(Array.from({ length: 10 }, () => use()));
    expect(calls).toHaveLength(4);
    const perKey = new Map<string, number>();
    for (const blob of blobs) {
      perKey.set(blob.toString('hex'), (perKey.get(blob.toString('hex')) ?? 0) + 1);
    }
    expect([...perKey.values()].sort()).toEqual([1, 3, 3, 3]);
  });

  it('zeroes a retired data key and, on clear, the current one', async () => {
    const { cache, calls, use } = writerCache({ maxMessages: 1 });
    await use();
    await use();
    const [retired, current] = calls;
    expect(retired?.plaintext?.every((byte) => byte === 0)).toBe(true);
    expect(current?.plaintext?.some((byte) => byte !== 0)).toBe(true);
    cache.clear();
    expect(current?.plaintext?.every((byte) => byte === 0)).toBe(true);
    await use();
    expect(calls).toHaveLength(3);
  });

  describe('KMS failures become KeyServiceUnavailableError', () => {
    it('keeps a disabled key’s DisabledException as the cause', async () => {
      const { KeyMetadata } = await local.kms.send(new CreateKeyCommand({}));
      const disabledKeyId = KeyMetadata?.KeyId ?? '';
      await local.kms.send(new DisableKeyCommand({ KeyId: disabledKeyId }));
      const { kms } = recordingKms();
      const cache = new DataKeyCache({ kms, keyId: disabledKeyId });
      const error = await cache.withDataKey(1, () => 'unreachable').catch((caught) => caught);
      expect(error).toBeInstanceOf(KeyServiceUnavailableError);
      expect(error).toMatchObject({
        name: 'KeyServiceUnavailableError',
        code: 'key_service_unavailable',
        operation: 'GenerateDataKey',
        message: 'KMS GenerateDataKey failed: DisabledException',
      });
      expect(error.cause).toBeInstanceOf(DisabledException);
    });

    it('reports an alias that does not exist', async () => {
      const { kms } = recordingKms();
      const cache = new DataKeyCache({ kms, keyId: 'alias/webhooks/missing' });
      const error = await cache.withDataKey(1, () => 'unreachable').catch((caught) => caught);
      expect(error).toBeInstanceOf(KeyServiceUnavailableError);
      expect(error.cause).toBeInstanceOf(NotFoundException);
    });

    it('reports KMS that cannot be reached', async () => {
      const gone = await startKmsStandIn();
      await gone.close();
      vi.stubEnv('AWS_ENDPOINT_URL_KMS', gone.url);
      try {
        const { kms } = recordingKms({ maxAttempts: 1 });
        const cache = new DataKeyCache({ kms, keyId: alias });
        const error = await cache.withDataKey(1, () => 'unreachable').catch((caught) => caught);
        expect(error).toBeInstanceOf(KeyServiceUnavailableError);
        expect(error.message).toMatch(/^KMS GenerateDataKey failed: \w+ \(ECONNREFUSED\)$/);
        expect(error.cause).toBeInstanceOf(Error);
      } finally {
        vi.stubEnv('AWS_ENDPOINT_URL_KMS', local.standIn.url);
      }
    });

    it('reports throttling, fails every waiting caller once, and asks KMS again next time', async () => {
      const kms = new KMSClient({});
      clients.push(kms);
      const throttled = new KMSServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      });
      const mock = mockClient(kms);
      mock
        .on(GenerateDataKeyCommand)
        .rejectsOnce(throttled)
        .callsFake((input: GenerateDataKeyCommandInput) =>
          local.kms.send(new GenerateDataKeyCommand(input)),
        );
      try {
        const cache = new DataKeyCache({ kms, keyId: alias });
        const results = await Promise.allSettled(
          Array.from({ length: 3 }, () => cache.withDataKey(1, () => 'used')),
        );
        expect(mock.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
        for (const result of results) {
          expect(result).toMatchObject({
            status: 'rejected',
            reason: {
              code: 'key_service_unavailable',
              message: 'KMS GenerateDataKey failed: ThrottlingException',
              cause: throttled,
            },
          });
        }
        expect(await cache.withDataKey(1, () => 'used')).toBe('used');
        expect(mock.commandCalls(GenerateDataKeyCommand)).toHaveLength(2);
      } finally {
        mock.restore();
      }
    });
  });

  it.each([
    [{ maxAgeMs: 0 }, 'maxAgeMs must be a positive integer, got 0'],
    [{ maxMessages: 1.5 }, 'maxMessages must be a positive integer, got 1.5'],
    [{ maxBytes: Number.NaN }, 'maxBytes must be a positive integer, got NaN'],
    [{ keyId: '' }, "keyId must be a non-empty string, got ''"],
  ])('rejects the options %o', (options, message) => {
    const kms = new KMSClient({});
    clients.push(kms);
    expect(() => new DataKeyCache({ kms, keyId: alias, ...options })).toThrow(
      new FieldEncryptionOptionsError(message),
    );
  });
});

describe('DecryptedDataKeyCache', () => {
  async function dataKey(context = auditFieldsKmsContext, KeyId = alias) {
    const { CiphertextBlob, Plaintext } = await local.kms.send(
      new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    return {
      encryptedKey: CiphertextBlob ?? new Uint8Array(),
      plaintextKey: Buffer.from(Plaintext ?? []),
    };
  }

  function readerCache(options: { maxKeys?: number; keyId?: string } = {}) {
    const { kms, calls } = recordingKms();
    const cache = new DecryptedDataKeyCache({ kms, ...options });
    const read = (encryptedKey: Uint8Array) =>
      cache.withPlaintextKey(encryptedKey, (key) => Buffer.from(key));
    return { cache, calls, read };
  }

  it('decrypts a data key with the purpose context, once, however many callers ask', async () => {
    const { encryptedKey, plaintextKey } = await dataKey();
    const { calls, read } = readerCache();
    const keys = await Promise.all(Array.from({ length: 5 }, () => read(encryptedKey)));
    expect(await read(encryptedKey)).toEqual(plaintextKey);
    for (const key of keys) expect(key).toEqual(plaintextKey);
    expect(calls.map(({ command, input }) => [command, input.EncryptionContext])).toEqual([
      ['DecryptCommand', auditFieldsKmsContext],
    ]);
  });

  it('keeps at most maxKeys, zeroing the least recently used', async () => {
    const [a, b, c] = [await dataKey(), await dataKey(), await dataKey()];
    const { calls, read } = readerCache({ maxKeys: 2 });
    await read(a.encryptedKey);
    await read(b.encryptedKey);
    await read(a.encryptedKey);
    await read(c.encryptedKey);
    expect(calls).toHaveLength(3);
    expect(calls[1]?.plaintext?.every((byte) => byte === 0)).toBe(true);
    expect(calls[0]?.plaintext?.some((byte) => byte !== 0)).toBe(true);
    await read(a.encryptedKey);
    expect(calls).toHaveLength(3);
    expect(await read(b.encryptedKey)).toEqual(b.plaintextKey);
    expect(calls).toHaveLength(4);
  });

  it('zeroes every key on clear', async () => {
    const { encryptedKey } = await dataKey();
    const { cache, calls, read } = readerCache();
    await read(encryptedKey);
    cache.clear();
    expect(calls[0]?.plaintext?.every((byte) => byte === 0)).toBe(true);
    await read(encryptedKey);
    expect(calls).toHaveLength(2);
  });

  it('rejects a data key made under another KMS context, and does not keep the failure', async () => {
    const { encryptedKey } = await dataKey({ purpose: 'something-else' });
    const { calls, read } = readerCache();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await read(encryptedKey).catch((caught) => caught);
      expect(error).toBeInstanceOf(DataKeyRejectedError);
      expect(error).toMatchObject({
        code: 'data_key_rejected',
        message: 'the encrypted data key was rejected: KMS answered InvalidCiphertextException',
      });
    }
    expect(calls).toHaveLength(2);
  });

  it('rejects a data key of another CMK when the reader names its key', async () => {
    const { KeyMetadata } = await local.kms.send(new CreateKeyCommand({}));
    const other = await dataKey(auditFieldsKmsContext, KeyMetadata?.KeyId ?? '');
    const { read } = readerCache({ keyId: alias });
    await expect(read(other.encryptedKey)).rejects.toMatchObject({
      code: 'data_key_rejected',
      message: 'the encrypted data key was rejected: KMS answered IncorrectKeyException',
    });
    const own = await dataKey();
    expect(await read(own.encryptedKey)).toEqual(own.plaintextKey);
  });

  it('reports a throttled Decrypt as KeyServiceUnavailableError', async () => {
    const { encryptedKey } = await dataKey();
    const kms = new KMSClient({});
    clients.push(kms);
    const mock = mockClient(kms);
    mock.onAnyCommand().rejects(
      new KMSServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: {},
      }),
    );
    try {
      const cache = new DecryptedDataKeyCache({ kms });
      await expect(cache.withPlaintextKey(encryptedKey, () => 'unreachable')).rejects.toMatchObject(
        {
          name: 'KeyServiceUnavailableError',
          operation: 'Decrypt',
          message: 'KMS Decrypt failed: ThrottlingException',
        },
      );
    } finally {
      mock.restore();
    }
  });

  it('rejects a maxKeys of zero', () => {
    const kms = new KMSClient({});
    clients.push(kms);
    expect(() => new DecryptedDataKeyCache({ kms, maxKeys: 0 })).toThrow(
      'maxKeys must be a positive integer, got 0',
    );
  });
});
