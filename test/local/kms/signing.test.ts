import { execFile } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  InvalidKeyUsageException,
  type KeySpec,
  type KeyUsageType,
  KMSInvalidSignatureException,
  KMSInvalidStateException,
  type MessageType,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  type SigningAlgorithmSpec,
  UnsupportedOperationException,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKmsStandIn } from '../../../local/kms/server.ts';
import { type StandInWithClient, startWithClient, utf8 } from './stand-in.ts';

const run = promisify(execFile);
const ecdsa = 'ECDSA_SHA_256' as const;
const auditDigest = utf8('{"day":"2026-03-01","records":1204,"root":"9f2c..."}');

let local: StandInWithClient;
let directory: string;
let signingKeyId: string;
let signingKeyArn: string;
let symmetricKeyId: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kms-signing-'));
  local = await startWithClient();
  signingKeyId = await createSigningKey();
  signingKeyArn = `arn:aws:kms:us-east-1:000000000000:key/${signingKeyId}`;
  await local.kms.send(
    new CreateAliasCommand({ AliasName: 'alias/audit-digests', TargetKeyId: signingKeyId }),
  );
  const symmetric = await local.kms.send(new CreateKeyCommand({}));
  symmetricKeyId = symmetric.KeyMetadata?.KeyId ?? '';
});

afterAll(async () => {
  await local.close();
  await rm(directory, { recursive: true, force: true });
});

async function createSigningKey(client = local): Promise<string> {
  const { KeyMetadata } = await client.kms.send(
    new CreateKeyCommand({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      Description: 'audit digests',
    }),
  );
  return KeyMetadata?.KeyId ?? '';
}

async function signWith(
  KeyId: string,
  Message: Uint8Array,
  MessageType: MessageType = 'RAW',
  client = local,
): Promise<Buffer> {
  const { Signature } = await client.kms.send(
    new SignCommand({ KeyId, Message, MessageType, SigningAlgorithm: ecdsa }),
  );
  return Buffer.from(Signature ?? []);
}

async function publicKeyDer(KeyId = signingKeyId, client = local): Promise<Buffer> {
  const { PublicKey } = await client.kms.send(new GetPublicKeyCommand({ KeyId }));
  return Buffer.from(PublicKey ?? []);
}

/** As the auditor checks it: node:crypto with the exported SubjectPublicKeyInfo. */
function verifiesLocally(publicKey: Buffer, message: Uint8Array, signature: Buffer): boolean {
  const key = { key: publicKey, format: 'der', type: 'spki', dsaEncoding: 'der' } as const;
  return verify('sha256', message, key, signature);
}

/** As the auditor checks it offline: `openssl dgst` with the public key as PEM. */
async function verifiesWithOpenssl(
  publicKey: Buffer,
  message: Uint8Array,
  signature: Buffer,
): Promise<{ ok: boolean; output: string }> {
  const folder = await mkdtemp(join(directory, 'openssl-'));
  const pem = createPublicKey({ key: publicKey, format: 'der', type: 'spki' }).export({
    type: 'spki',
    format: 'pem',
  });
  await writeFile(join(folder, 'pub.pem'), pem);
  await writeFile(join(folder, 'sig.der'), signature);
  await writeFile(join(folder, 'msg'), message);
  const args = ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'msg'];
  try {
    const { stdout } = await run('openssl', args, { cwd: folder });
    return { ok: true, output: stdout };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}${stderr}` };
  }
}

const sha256 = (message: Uint8Array): Buffer => createHash('sha256').update(message).digest();

describe('creating and describing a P-256 signing key', () => {
  it('reports its spec, usage and ECDSA_SHA_256 through DescribeKey, by id or alias', async () => {
    for (const KeyId of [signingKeyId, 'alias/audit-digests']) {
      const { KeyMetadata } = await local.kms.send(new DescribeKeyCommand({ KeyId }));
      expect(KeyMetadata).toMatchObject({
        KeyId: signingKeyId,
        Arn: signingKeyArn,
        KeySpec: 'ECC_NIST_P256',
        CustomerMasterKeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ECDSA_SHA_256'],
        KeyState: 'Enabled',
        Description: 'audit digests',
      });
      expect(KeyMetadata).not.toHaveProperty('EncryptionAlgorithms');
    }
  });

  it('accepts the legacy CustomerMasterKeySpec, alone or agreeing with KeySpec', async () => {
    for (const spec of [
      { CustomerMasterKeySpec: 'ECC_NIST_P256' as const },
      { CustomerMasterKeySpec: 'ECC_NIST_P256' as const, KeySpec: 'ECC_NIST_P256' as const },
    ]) {
      const { KeyMetadata } = await local.kms.send(
        new CreateKeyCommand({ ...spec, KeyUsage: 'SIGN_VERIFY' }),
      );
      expect(KeyMetadata).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    }
  });

  it.each([
    ['P-256 with the default usage, ENCRYPT_DECRYPT', 'ECC_NIST_P256', undefined],
    ['a symmetric key for signing', 'SYMMETRIC_DEFAULT', 'SIGN_VERIFY'],
    ['a key spec KMS does not have', 'ECC_NIST_P999', 'SIGN_VERIFY'],
    ['a key usage KMS does not have', 'ECC_NIST_P256', 'SIGN_ONLY'],
  ])('refuses %s with ValidationException, as KMS does', async (_case, spec, usage) => {
    const request = new CreateKeyCommand({
      KeySpec: spec as KeySpec,
      ...(usage && { KeyUsage: usage as KeyUsageType }),
    });
    await expect(local.kms.send(request)).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('refuses KeySpec and CustomerMasterKeySpec that disagree with ValidationException', async () => {
    const request = new CreateKeyCommand({
      KeySpec: 'ECC_NIST_P256',
      CustomerMasterKeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
    });
    await expect(local.kms.send(request)).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it.each([
    ['RSA_2048', 'SIGN_VERIFY'],
    ['ECC_NIST_P384', 'SIGN_VERIFY'],
    ['ECC_SECG_P256K1', 'SIGN_VERIFY'],
    ['HMAC_256', 'GENERATE_VERIFY_MAC'],
    ['ECC_NIST_P256', 'KEY_AGREEMENT'],
  ] as const)(
    'refuses %s for %s, which KMS has and the stand-in lacks, as unsupported',
    async (KeySpec, KeyUsage) => {
      const error = await local.kms
        .send(new CreateKeyCommand({ KeySpec, KeyUsage }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnsupportedOperationException);
      expect(String((error as Error).message)).toContain('not supported by the KMS stand-in');
    },
  );
});

describe('GetPublicKey', () => {
  it('exports a DER SubjectPublicKeyInfo of a P-256 key with the spec, usage and algorithms', async () => {
    const response = await local.kms.send(
      new GetPublicKeyCommand({ KeyId: 'alias/audit-digests' }),
    );
    expect(response).toMatchObject({
      KeyId: signingKeyArn,
      KeySpec: 'ECC_NIST_P256',
      CustomerMasterKeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    expect(response).not.toHaveProperty('EncryptionAlgorithms');
    const publicKey = createPublicKey({
      key: Buffer.from(response.PublicKey ?? []),
      format: 'der',
      type: 'spki',
    });
    expect(publicKey.asymmetricKeyType).toBe('ec');
    expect(publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
  });

  it('gives each signing key its own key pair', async () => {
    const other = await createSigningKey();
    expect(await publicKeyDer(other)).not.toEqual(await publicKeyDer());
  });

  it('refuses a symmetric key, which has no public key, with UnsupportedOperationException', async () => {
    await expect(
      local.kms.send(new GetPublicKeyCommand({ KeyId: symmetricKeyId })),
    ).rejects.toBeInstanceOf(UnsupportedOperationException);
  });
});

describe('Sign', () => {
  it('signs a RAW message (the default) with a DER ECDSA signature node:crypto accepts', async () => {
    const response = await local.kms.send(
      new SignCommand({
        KeyId: 'alias/audit-digests',
        Message: auditDigest,
        SigningAlgorithm: ecdsa,
      }),
    );
    expect(response).toMatchObject({ KeyId: signingKeyArn, SigningAlgorithm: ecdsa });
    const signature = Buffer.from(response.Signature ?? []);
    expect(signature[0]).toBe(0x30);
    expect(verifiesLocally(await publicKeyDer(), auditDigest, signature)).toBe(true);
    expect(verifiesLocally(await publicKeyDer(), utf8('another message'), signature)).toBe(false);
  });

  it('signs a DIGEST as the signature of the message it is the SHA-256 of', async () => {
    const publicKey = await publicKeyDer();
    for (const message of [auditDigest, new Uint8Array(0), new Uint8Array(10_000).fill(7)]) {
      const signature = await signWith(signingKeyId, sha256(message), 'DIGEST');
      expect(verifiesLocally(publicKey, message, signature)).toBe(true);
    }
  });

  it('signs RAW messages of 1 and 4096 bytes', async () => {
    const publicKey = await publicKeyDer();
    for (const message of [Uint8Array.of(1), new Uint8Array(4096).fill(0xff)]) {
      expect(verifiesLocally(publicKey, message, await signWith(signingKeyId, message))).toBe(true);
    }
  });

  it('gives a signature the auditor can check offline with openssl dgst', async () => {
    const publicKey = await publicKeyDer();
    const raw = await verifiesWithOpenssl(
      publicKey,
      auditDigest,
      await signWith(signingKeyId, auditDigest),
    );
    expect(raw).toEqual({ ok: true, output: 'Verified OK\n' });
    const digest = await verifiesWithOpenssl(
      publicKey,
      auditDigest,
      await signWith(signingKeyId, sha256(auditDigest), 'DIGEST'),
    );
    expect(digest).toEqual({ ok: true, output: 'Verified OK\n' });
  });

  it('gives a signature openssl refuses for a changed message', async () => {
    const signature = await signWith(signingKeyId, auditDigest);
    const changed = Buffer.from(auditDigest);
    changed[0] = (changed[0] ?? 0) ^ 0x01;
    const result = await verifiesWithOpenssl(await publicKeyDer(), changed, signature);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('Verification failure');
  });

  it('refuses a symmetric key with InvalidKeyUsageException', async () => {
    await expect(signWith(symmetricKeyId, auditDigest)).rejects.toBeInstanceOf(
      InvalidKeyUsageException,
    );
  });

  it.each(['ECDSA_SHA_384', 'RSASSA_PSS_SHA_256'] as const)(
    'refuses %s, which P-256 keys do not sign with, with InvalidKeyUsageException',
    async (SigningAlgorithm) => {
      await expect(
        local.kms.send(
          new SignCommand({ KeyId: signingKeyId, Message: auditDigest, SigningAlgorithm }),
        ),
      ).rejects.toBeInstanceOf(InvalidKeyUsageException);
    },
  );

  it.each([
    ['a digest of 31 bytes', { Message: new Uint8Array(31), MessageType: 'DIGEST' as const }],
    ['a digest of 33 bytes', { Message: new Uint8Array(33), MessageType: 'DIGEST' as const }],
    ['a message of 4097 bytes', { Message: new Uint8Array(4097) }],
    ['an empty message', { Message: new Uint8Array(0) }],
    [
      'an EXTERNAL_MU message',
      { Message: new Uint8Array(64), MessageType: 'EXTERNAL_MU' as const },
    ],
    [
      'a signing algorithm KMS does not have',
      { Message: auditDigest, SigningAlgorithm: 'ECDSA_MD5' as SigningAlgorithmSpec },
    ],
    ['no signing algorithm', { Message: auditDigest, SigningAlgorithm: undefined }],
  ])('refuses %s with ValidationException', async (_case, request) => {
    await expect(
      local.kms.send(new SignCommand({ KeyId: signingKeyId, SigningAlgorithm: ecdsa, ...request })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('refuses a disabled key with DisabledException until it is enabled again', async () => {
    const KeyId = await createSigningKey();
    await local.kms.send(new DisableKeyCommand({ KeyId }));
    await expect(signWith(KeyId, auditDigest)).rejects.toBeInstanceOf(DisabledException);
    await expect(local.kms.send(new GetPublicKeyCommand({ KeyId }))).rejects.toBeInstanceOf(
      DisabledException,
    );
    await local.kms.send(new EnableKeyCommand({ KeyId }));
    expect(
      verifiesLocally(await publicKeyDer(KeyId), auditDigest, await signWith(KeyId, auditDigest)),
    ).toBe(true);
  });

  it('refuses a key pending deletion with KMSInvalidStateException', async () => {
    const KeyId = await createSigningKey();
    await local.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    await expect(signWith(KeyId, auditDigest)).rejects.toBeInstanceOf(KMSInvalidStateException);
  });
});

describe('Verify', () => {
  async function verifyWith(
    Message: Uint8Array,
    Signature: Uint8Array,
    MessageType: MessageType = 'RAW',
    KeyId = signingKeyId,
  ) {
    return local.kms.send(
      new VerifyCommand({ KeyId, Message, MessageType, Signature, SigningAlgorithm: ecdsa }),
    );
  }

  it('answers SignatureValid for a signature it made, over the message or its digest', async () => {
    const signature = await signWith(signingKeyId, auditDigest);
    await expect(verifyWith(auditDigest, signature)).resolves.toMatchObject({
      KeyId: signingKeyArn,
      SignatureValid: true,
      SigningAlgorithm: ecdsa,
    });
    await expect(verifyWith(sha256(auditDigest), signature, 'DIGEST')).resolves.toMatchObject({
      SignatureValid: true,
    });
    const overDigest = await signWith(signingKeyId, sha256(auditDigest), 'DIGEST');
    await expect(verifyWith(auditDigest, overDigest)).resolves.toMatchObject({
      SignatureValid: true,
    });
  });

  it('fails a signature with any one byte changed with KMSInvalidSignatureException', async () => {
    const signature = await signWith(signingKeyId, auditDigest);
    for (const index of [0, 1, 3, 10, signature.length - 1]) {
      const tampered = Buffer.from(signature);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      await expect(verifyWith(auditDigest, tampered)).rejects.toBeInstanceOf(
        KMSInvalidSignatureException,
      );
      await expect(verifyWith(sha256(auditDigest), tampered, 'DIGEST')).rejects.toBeInstanceOf(
        KMSInvalidSignatureException,
      );
    }
  });

  it('fails a changed message, another key and bytes that are no signature', async () => {
    const signature = await signWith(signingKeyId, auditDigest);
    const otherKey = await createSigningKey();
    const failures = [
      verifyWith(utf8('a different digest'), signature),
      verifyWith(sha256(utf8('a different digest')), signature, 'DIGEST'),
      verifyWith(auditDigest, signature, 'RAW', otherKey),
      verifyWith(auditDigest, utf8('not a signature')),
      verifyWith(sha256(auditDigest), utf8('not a signature'), 'DIGEST'),
    ];
    for (const failure of failures) {
      await expect(failure).rejects.toBeInstanceOf(KMSInvalidSignatureException);
    }
  });

  it('refuses a DIGEST that is not 32 bytes with ValidationException', async () => {
    const signature = await signWith(signingKeyId, auditDigest);
    await expect(verifyWith(auditDigest, signature, 'DIGEST')).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('refuses a symmetric key with InvalidKeyUsageException', async () => {
    const signature = await signWith(signingKeyId, auditDigest);
    await expect(verifyWith(auditDigest, signature, 'RAW', symmetricKeyId)).rejects.toBeInstanceOf(
      InvalidKeyUsageException,
    );
  });
});

describe('a signing key is no encryption key', () => {
  it.each([
    [
      'Encrypt',
      () => local.kms.send(new EncryptCommand({ KeyId: signingKeyId, Plaintext: utf8('x') })),
    ],
    [
      'GenerateDataKey',
      () => local.kms.send(new GenerateDataKeyCommand({ KeyId: signingKeyId, KeySpec: 'AES_256' })),
    ],
    [
      'GenerateDataKeyWithoutPlaintext',
      () =>
        local.kms.send(
          new GenerateDataKeyWithoutPlaintextCommand({ KeyId: signingKeyId, KeySpec: 'AES_256' }),
        ),
    ],
  ])(
    '%s refuses it with InvalidKeyUsageException',
    async (_operation, send: () => Promise<unknown>) => {
      await expect(send()).rejects.toBeInstanceOf(InvalidKeyUsageException);
    },
  );

  it('Decrypt and ReEncrypt refuse it with InvalidKeyUsageException', async () => {
    const { CiphertextBlob } = await local.kms.send(
      new EncryptCommand({ KeyId: symmetricKeyId, Plaintext: utf8('x') }),
    );
    await expect(
      local.kms.send(new DecryptCommand({ CiphertextBlob, KeyId: signingKeyId })),
    ).rejects.toBeInstanceOf(InvalidKeyUsageException);
    await expect(
      local.kms.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: signingKeyId })),
    ).rejects.toBeInstanceOf(InvalidKeyUsageException);
  });

  it('is not rotated: the rotation operations answer UnsupportedOperationException', async () => {
    for (const command of [
      new EnableKeyRotationCommand({ KeyId: signingKeyId }),
      new GetKeyRotationStatusCommand({ KeyId: signingKeyId }),
    ]) {
      await expect(local.kms.send(command)).rejects.toBeInstanceOf(UnsupportedOperationException);
    }
  });
});

describe('persistence of signing keys', () => {
  it('keeps the key pair across a restart: old signatures verify, new ones match the old public key', async () => {
    const stateFile = join(directory, 'restart', 'kms.json');
    const first = await startWithClient({ stateFile });
    let keyId: string;
    let publicKey: Buffer;
    let signature: Buffer;
    try {
      keyId = await createSigningKey(first);
      publicKey = await publicKeyDer(keyId, first);
      signature = await signWith(keyId, auditDigest, 'RAW', first);
    } finally {
      await first.close();
    }
    const second = await startWithClient({ stateFile });
    try {
      expect(await publicKeyDer(keyId, second)).toEqual(publicKey);
      const verified = await second.kms.send(
        new VerifyCommand({
          KeyId: keyId,
          Message: auditDigest,
          Signature: signature,
          SigningAlgorithm: ecdsa,
        }),
      );
      expect(verified.SignatureValid).toBe(true);
      const again = await signWith(keyId, sha256(auditDigest), 'DIGEST', second);
      expect(verifiesLocally(publicKey, auditDigest, again)).toBe(true);
      const { KeyMetadata } = await second.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      expect(KeyMetadata).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    } finally {
      await second.close();
    }
  });

  it('still loads a state file written before signing keys, whose records name no KeySpec', async () => {
    const stateFile = join(directory, 'old-format', 'kms.json');
    const first = await startWithClient({ stateFile });
    let blob: Uint8Array | undefined;
    try {
      const { KeyMetadata } = await first.kms.send(new CreateKeyCommand({}));
      ({ CiphertextBlob: blob } = await first.kms.send(
        new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: utf8('kept') }),
      ));
    } finally {
      await first.close();
    }
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(state.keys[0].keySpec).toBe('SYMMETRIC_DEFAULT');
    delete state.keys[0].keySpec;
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
    const second = await startWithClient({ stateFile });
    try {
      const { Plaintext, KeyId } = await second.kms.send(
        new DecryptCommand({ CiphertextBlob: blob }),
      );
      expect(Buffer.from(Plaintext ?? []).toString()).toBe('kept');
      const { KeyMetadata } = await second.kms.send(new DescribeKeyCommand({ KeyId }));
      expect(KeyMetadata).toMatchObject({
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
      });
    } finally {
      await second.close();
    }
  });

  it.each([
    ['a private key that is not PKCS#8', Buffer.alloc(32).toString('base64')],
    ['a key spec the stand-in does not know', undefined],
  ])('refuses a state file with %s', async (_case, material) => {
    const stateFile = join(directory, `bad-${material ? 'material' : 'spec'}`, 'kms.json');
    const first = await startWithClient({ stateFile });
    await createSigningKey(first).finally(() => first.close());
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    if (material) state.keys[0].material = material;
    else state.keys[0].keySpec = 'RSA_2048';
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
    await expect(startKmsStandIn({ stateFile })).rejects.toThrow(/a key record is malformed/);
  });
});
