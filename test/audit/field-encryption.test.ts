import { inspect } from 'node:util';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataKeyCache, DecryptedDataKeyCache } from '../../functions/audit/data-key-cache.ts';
import {
  DataKeyRejectedError,
  FieldAuthenticationError,
  FieldEncryptionError,
  InvalidFieldBindingError,
  KeyServiceUnavailableError,
} from '../../functions/audit/errors.ts';
import {
  decryptField,
  encryptField,
  type FieldBinding,
} from '../../functions/audit/field-encryption.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { type StandInWithClient, startWithClient, utf8 } from '../local/kms/stand-in.ts';

let local: StandInWithClient;
const alias = kmsKeys.audit.alias;
const clients: KMSClient[] = [];

beforeAll(async () => {
  local = await startWithClient();
  const { KeyMetadata } = await local.kms.send(new CreateKeyCommand({}));
  await local.kms.send(
    new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata?.KeyId ?? '' }),
  );
});

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

afterAll(() => local.close());

const binding: FieldBinding = {
  providerId: 'stripe',
  deliveryId: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  field: 'headers',
};
const headers = utf8(
  JSON.stringify({ 'content-type': 'application/json', 'stripe-signature': 't=1,v1=5257a869' }),
);

/**
 * A writer and a reader, each with its own KMSClient found through AWS_ENDPOINT_URL_KMS, as
 * the ingest Lambda and a later reader would be. `kmsCalls` names every KMS operation sent;
 * `dataKeys` holds a copy of each data key GenerateDataKey returned.
 */
function setUp() {
  const kmsCalls: string[] = [];
  const dataKeys: Buffer[] = [];
  const recordingKms = () => {
    const kms = new KMSClient({});
    clients.push(kms);
    kms.middlewareStack.add(
      (next, context) => async (args) => {
        kmsCalls.push(String(context.commandName));
        const result = await next(args);
        const { Plaintext } = result.output as { Plaintext?: Uint8Array };
        if (context.commandName === 'GenerateDataKeyCommand' && Plaintext) {
          dataKeys.push(Buffer.from(Plaintext));
        }
        return result;
      },
      { step: 'initialize', name: 'recordKmsCalls' },
    );
    return kms;
  };
  const writer = new DataKeyCache({ kms: recordingKms(), keyId: alias });
  const reader = new DecryptedDataKeyCache({ kms: recordingKms() });
  return { writer, reader, kmsCalls, dataKeys };
}

/** Where each part of an encrypted field starts (see the layout in field-encryption.ts). */
function offsets(encrypted: Buffer) {
  const keyBlobLength = encrypted.readUInt16BE(1);
  return { keyBlob: 3, iv: 3 + keyBlobLength, tag: 15 + keyBlobLength, body: 31 + keyBlobLength };
}

function flipBit(bytes: Buffer, offset: number, bit = 0): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt8(copy.readUInt8(offset) ^ (1 << bit), offset);
  return copy;
}

describe('encryptField and decryptField', () => {
  it('round-trips a field through a reader that has only KMS Decrypt', async () => {
    const { writer, reader, kmsCalls } = setUp();
    const encrypted = await encryptField(writer, binding, headers);
    expect(await decryptField(reader, { ...binding }, encrypted)).toEqual(Buffer.from(headers));
    expect(kmsCalls).toEqual(['GenerateDataKeyCommand', 'DecryptCommand']);
  });

  it('round-trips an empty field', async () => {
    const { writer, reader } = setUp();
    const encrypted = await encryptField(writer, binding, new Uint8Array());
    expect(await decryptField(reader, binding, encrypted)).toHaveLength(0);
  });

  it('lays out version, key blob length, key blob, IV, tag and ciphertext', async () => {
    const { writer } = setUp();
    const encrypted = await encryptField(writer, binding, headers);
    const { iv, body } = offsets(encrypted);
    expect(encrypted.readUInt8(0)).toBe(1);
    expect(iv - 3).toBeGreaterThan(0);
    expect(encrypted.length).toBe(body + headers.length);
    const blob = encrypted.subarray(3, iv);
    expect(await writer.withDataKey(0, (key) => Buffer.from(key.encryptedKey))).toEqual(blob);
  });

  it('uses a fresh IV for every field under the same data key', async () => {
    const { writer } = setUp();
    const first = await encryptField(writer, binding, headers);
    const second = await encryptField(writer, binding, headers);
    const at = offsets(first);
    expect(second.subarray(0, at.iv)).toEqual(first.subarray(0, at.iv));
    expect(second.subarray(at.iv, at.tag)).not.toEqual(first.subarray(at.iv, at.tag));
    expect(second.subarray(at.body)).not.toEqual(first.subarray(at.body));
  });

  it('makes no KMS call on a warm second encryption or decryption', async () => {
    const { writer, reader, kmsCalls } = setUp();
    const first = await encryptField(writer, binding, headers);
    await decryptField(reader, binding, first);
    const callsWhenWarm = kmsCalls.length;
    const next = { ...binding, deliveryId: 'evt_second', field: 'redactedPayload' };
    const second = await encryptField(writer, next, utf8('{"id":"evt_second"}'));
    expect(await decryptField(reader, next, second)).toEqual(Buffer.from('{"id":"evt_second"}'));
    expect(kmsCalls).toHaveLength(callsWhenWarm);
  });

  describe('binding', () => {
    it.each([
      ['another provider', { providerId: 'github' }],
      ['another delivery id', { deliveryId: 'evt_1NG8Du2eZvKYlo2CUI79vXWz' }],
      ['another field', { field: 'redactedPayload' }],
    ])('fails to decrypt for %s', async (_, change) => {
      const { writer, reader } = setUp();
      const encrypted = await encryptField(writer, binding, headers);
      const error = await decryptField(reader, { ...binding, ...change }, encrypted).catch(
        (caught) => caught,
      );
      expect(error).toBeInstanceOf(FieldAuthenticationError);
      expect(error).toMatchObject({
        name: 'FieldAuthenticationError',
        code: 'field_authentication_failed',
      });
    });

    it('does not confuse values that run together', async () => {
      const { writer, reader } = setUp();
      const joined = { providerId: 'a', deliveryId: 'b","field":"c', field: 'd' };
      const encrypted = await encryptField(writer, joined, headers);
      await expect(
        decryptField(
          reader,
          { providerId: 'a', deliveryId: 'b', field: 'c","field":"d' },
          encrypted,
        ),
      ).rejects.toBeInstanceOf(FieldAuthenticationError);
    });

    it.each(['providerId', 'deliveryId', 'field'] as const)(
      'refuses an empty %s on both sides',
      async (property) => {
        const { writer, reader } = setUp();
        const empty = { ...binding, [property]: '' };
        await expect(encryptField(writer, empty, headers)).rejects.toMatchObject({
          name: 'InvalidFieldBindingError',
          code: 'invalid_binding',
          property,
        });
        const encrypted = await encryptField(writer, binding, headers);
        await expect(decryptField(reader, empty, encrypted)).rejects.toBeInstanceOf(
          InvalidFieldBindingError,
        );
      },
    );
  });

  describe('tampering', () => {
    it.each([
      ['IV', 'iv'],
      ['tag', 'tag'],
      ['ciphertext', 'body'],
    ] as const)('fails authentication when the %s is altered', async (_, part) => {
      const { writer, reader } = setUp();
      const encrypted = await encryptField(writer, binding, headers);
      const tampered = flipBit(encrypted, offsets(encrypted)[part], 7);
      await expect(decryptField(reader, binding, tampered)).rejects.toMatchObject({
        name: 'FieldAuthenticationError',
        message: `field 'headers' failed authentication: altered, or bound to another provider, delivery or field`,
      });
    });

    it('fails when the encrypted data key is altered, without decrypting anything', async () => {
      const { writer, reader } = setUp();
      const encrypted = await encryptField(writer, binding, headers);
      const tampered = flipBit(encrypted, offsets(encrypted).iv - 1);
      await expect(decryptField(reader, binding, tampered)).rejects.toBeInstanceOf(
        DataKeyRejectedError,
      );
    });

    it('fails when the data key comes from another field', async () => {
      const { writer, reader } = setUp();
      const encrypted = await encryptField(writer, binding, headers);
      writer.clear();
      const other = await encryptField(writer, binding, headers);
      const { iv } = offsets(encrypted);
      const spliced = Buffer.concat([other.subarray(0, iv), encrypted.subarray(iv)]);
      await expect(decryptField(reader, binding, spliced)).rejects.toBeInstanceOf(
        FieldAuthenticationError,
      );
    });

    it.each([
      [
        'an empty value',
        () => Buffer.alloc(0),
        'not an encrypted audit field: shorter than a header',
      ],
      [
        'an unknown version',
        (encrypted: Buffer) => Buffer.concat([Buffer.of(2), encrypted.subarray(1)]),
        'not an encrypted audit field: unknown layout version 2',
      ],
      [
        'a truncated value',
        (encrypted: Buffer) => encrypted.subarray(0, offsets(encrypted).body - 1),
        'not an encrypted audit field: shorter than its key blob, IV and tag',
      ],
      [
        'a key blob length of zero',
        (encrypted: Buffer) => Buffer.concat([Buffer.of(1, 0, 0), encrypted.subarray(3)]),
        'not an encrypted audit field: shorter than its key blob, IV and tag',
      ],
    ])('reports %s as malformed', async (_, damage, message) => {
      const { writer, reader, kmsCalls } = setUp();
      const encrypted = await encryptField(writer, binding, new Uint8Array());
      await expect(decryptField(reader, binding, damage(encrypted))).rejects.toMatchObject({
        name: 'MalformedEncryptedFieldError',
        code: 'malformed_encrypted_field',
        message,
      });
      expect(kmsCalls).toEqual(['GenerateDataKeyCommand']);
    });
  });

  it('surfaces a KMS failure as KeyServiceUnavailableError', async () => {
    const { KeyMetadata } = await local.kms.send(new CreateKeyCommand({}));
    await local.kms.send(new DisableKeyCommand({ KeyId: KeyMetadata?.KeyId ?? '' }));
    const kms = new KMSClient({});
    clients.push(kms);
    const writer = new DataKeyCache({ kms, keyId: KeyMetadata?.KeyId ?? '' });
    await expect(encryptField(writer, binding, headers)).rejects.toBeInstanceOf(
      KeyServiceUnavailableError,
    );
  });
});

describe('properties', () => {
  const part = fc.string({ minLength: 1, maxLength: 40, unit: 'binary' });
  const bindings = fc.record({ providerId: part, deliveryId: part, field: part });

  it('decrypts whatever it encrypted, for any binding', async () => {
    const { writer, reader } = setUp();
    await fc.assert(
      fc.asyncProperty(bindings, fc.uint8Array({ maxLength: 2048 }), async (bound, plaintext) => {
        const encrypted = await encryptField(writer, bound, plaintext);
        expect(await decryptField(reader, { ...bound }, encrypted)).toEqual(Buffer.from(plaintext));
      }),
    );
  });

  it('fails for any binding that differs in one part', async () => {
    const { writer, reader } = setUp();
    const names = fc.constantFrom('providerId', 'deliveryId', 'field');
    await fc.assert(
      fc.asyncProperty(bindings, names, part, async (bound, name, replacement) => {
        fc.pre(bound[name] !== replacement);
        const encrypted = await encryptField(writer, bound, headers);
        await expect(
          decryptField(reader, { ...bound, [name]: replacement }, encrypted),
        ).rejects.toBeInstanceOf(FieldAuthenticationError);
      }),
    );
  });

  it('fails with a typed error when any one bit is flipped', async () => {
    const { writer, reader } = setUp();
    const encrypted = await encryptField(writer, binding, headers);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: encrypted.length - 1 }),
        fc.nat({ max: 7 }),
        async (offset, bit) => {
          await expect(
            decryptField(reader, binding, flipBit(encrypted, offset, bit)),
          ).rejects.toBeInstanceOf(FieldEncryptionError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never puts plaintext or key bytes in an error, its cause or its inspection', async () => {
    const { writer, reader, dataKeys } = setUp();
    const spellings = (bytes: Buffer) => [
      bytes.toString('hex'),
      bytes.toString('base64'),
      bytes.toString('base64url'),
      bytes.toString('latin1'),
      bytes.toString('utf8'),
    ];
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 16, maxLength: 200 }), async (text) => {
        const plaintext = Buffer.from(text, 'utf8');
        const encrypted = await encryptField(writer, binding, plaintext);
        const { tag, iv } = offsets(encrypted);
        const failures = [
          decryptField(reader, { ...binding, field: 'redactedPayload' }, encrypted),
          decryptField(reader, binding, flipBit(encrypted, tag)),
          decryptField(reader, binding, flipBit(encrypted, iv - 1)),
        ];
        const errors = await Promise.all(failures.map((failure) => failure.catch((e) => e)));
        const secrets = [plaintext, ...dataKeys].flatMap(spellings);
        for (const error of errors) {
          expect(error).toBeInstanceOf(FieldEncryptionError);
          const shown = `${String(error)} ${inspect(error, { depth: 10 })}`;
          for (const secret of secrets) expect(shown).not.toContain(secret);
        }
      }),
      { numRuns: 50 },
    );
  });
});
