import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blobKeyId, openBlob, sealBlob } from '../../../local/kms/ciphertext.ts';
import { InvalidCiphertextError } from '../../../local/kms/errors.ts';

const keyId = randomUUID();
const keyMaterial = randomBytes(32);
const context = fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 });
const plaintext = fc
  .uint8Array({ minLength: 1, maxLength: 256 })
  .map((bytes) => Buffer.from(bytes));

function seal(bytes: Buffer, encryptionContext: Record<string, string>): Buffer {
  return sealBlob({
    keyId,
    keyMaterial,
    plaintext: bytes,
    context: encryptionContext,
    iv: randomBytes(12),
  });
}

describe('ciphertext blob', () => {
  it('names its key and round-trips any plaintext and context', () => {
    fc.assert(
      fc.property(plaintext, context, (bytes, encryptionContext) => {
        const blob = seal(bytes, encryptionContext);
        expect(blobKeyId(blob)).toBe(keyId);
        expect(openBlob(blob, keyMaterial, encryptionContext)).toEqual(bytes);
      }),
    );
  });

  it('is 45 bytes longer than the plaintext: header, IV and tag', () => {
    expect(seal(Buffer.alloc(10), {})).toHaveLength(55);
  });

  it('fails when any single bit is flipped', () => {
    fc.assert(
      fc.property(
        plaintext,
        context,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (bytes, encryptionContext, at, bit) => {
          const blob = seal(bytes, encryptionContext);
          const index = at % blob.length;
          blob[index] = (blob[index] ?? 0) ^ (1 << bit);
          expect(() => openBlob(blob, keyMaterial, encryptionContext)).toThrow(
            InvalidCiphertextError,
          );
        },
      ),
    );
  });

  it('fails under another key', () => {
    const blob = seal(Buffer.from('secret'), {});
    expect(() => openBlob(blob, randomBytes(32), {})).toThrow(InvalidCiphertextError);
  });

  it('treats no context and an empty context alike, and ignores key order', () => {
    const blob = seal(Buffer.from('secret'), { b: '2', a: '1' });
    expect(openBlob(blob, keyMaterial, { a: '1', b: '2' }).toString()).toBe('secret');
    expect(openBlob(seal(Buffer.from('x'), {}), keyMaterial, {}).toString()).toBe('x');
  });

  it('tells a context apart from one that only joins to the same string', () => {
    const blob = seal(Buffer.from('secret'), { ab: 'c' });
    expect(() => openBlob(blob, keyMaterial, { a: 'bc' })).toThrow(InvalidCiphertextError);
  });
});
