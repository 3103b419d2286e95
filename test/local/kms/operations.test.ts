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
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSInvalidStateException,
  KMSServiceException,
  ListAliasesCommand,
  NotFoundException,
  paginateListAliases,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StandInWithClient, startWithClient, text, utf8 } from './stand-in.ts';

let local: StandInWithClient;
let keyId: string;
let keyArn: string;
const aliasName = 'alias/webhooks/registry';
const auditContext = { table: 'audit', provider: 'stripe' };

beforeAll(async () => {
  local = await startWithClient();
  const created = await local.kms.send(new CreateKeyCommand({ Description: 'registry secrets' }));
  keyId = created.KeyMetadata?.KeyId ?? '';
  keyArn = created.KeyMetadata?.Arn ?? '';
  await local.kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
});

afterAll(() => local.close());

async function encrypt(
  KeyId: string,
  plaintext = 'whsec_local',
  context: Record<string, string> = auditContext,
) {
  const { CiphertextBlob } = await local.kms.send(
    new EncryptCommand({ KeyId, Plaintext: utf8(plaintext), EncryptionContext: context }),
  );
  if (!CiphertextBlob) throw new Error('Encrypt returned no CiphertextBlob');
  return CiphertextBlob;
}

describe('keys and aliases', () => {
  it('creates a symmetric key with a UUID id and an ARN in the region and fake account', async () => {
    expect(keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(keyArn).toBe(`arn:aws:kms:us-east-1:000000000000:key/${keyId}`);
    const { KeyMetadata } = await local.kms.send(new DescribeKeyCommand({ KeyId: aliasName }));
    expect(KeyMetadata).toMatchObject({
      KeyId: keyId,
      Description: 'registry secrets',
      KeyState: 'Enabled',
      Enabled: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
    });
    expect(KeyMetadata?.CreationDate).toBeInstanceOf(Date);
  });

  it('lists the alias with its ARN and target', async () => {
    const { Aliases } = await local.kms.send(new ListAliasesCommand({ KeyId: keyId }));
    expect(Aliases).toEqual([
      expect.objectContaining({
        AliasName: aliasName,
        AliasArn: `arn:aws:kms:us-east-1:000000000000:${aliasName}`,
        TargetKeyId: keyId,
      }),
    ]);
  });

  it('pages through aliases with Limit and Marker', async () => {
    for (const name of ['alias/page-a', 'alias/page-b', 'alias/page-c']) {
      await local.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: keyArn }));
    }
    const names: string[] = [];
    for await (const page of paginateListAliases({ client: local.kms, pageSize: 2 }, {})) {
      expect(page.Aliases?.length).toBeLessThanOrEqual(2);
      names.push(...(page.Aliases ?? []).map((alias) => alias.AliasName ?? ''));
    }
    expect(names).toEqual(['alias/page-a', 'alias/page-b', 'alias/page-c', aliasName]);
  });

  it('refuses a second alias of the same name', async () => {
    const again = new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId });
    await expect(local.kms.send(again)).rejects.toMatchObject({ name: 'AlreadyExistsException' });
  });

  it('refuses alias names without alias/ or under the reserved alias/aws/', async () => {
    for (const AliasName of ['registry', 'alias/aws/kms']) {
      await expect(
        local.kms.send(new CreateAliasCommand({ AliasName, TargetKeyId: keyId })),
      ).rejects.toMatchObject({ name: 'InvalidAliasNameException' });
    }
  });

  it('keeps a rotation flag', async () => {
    const status = () => local.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    expect(await status()).toMatchObject({ KeyRotationEnabled: false });
    await local.kms.send(new EnableKeyRotationCommand({ KeyId: aliasName }));
    expect(await status()).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
  });
});

describe('encrypt and decrypt', () => {
  it.each([
    ['key id', () => keyId],
    ['key ARN', () => keyArn],
    ['alias name', () => aliasName],
    ['alias ARN', () => `arn:aws:kms:us-east-1:000000000000:${aliasName}`],
  ])('round-trips by %s', async (_spelling, spelling) => {
    const blob = await encrypt(spelling());
    const decrypted = await local.kms.send(
      new DecryptCommand({
        KeyId: spelling(),
        CiphertextBlob: blob,
        EncryptionContext: auditContext,
      }),
    );
    expect(text(decrypted.Plaintext)).toBe('whsec_local');
    expect(decrypted.KeyId).toBe(keyArn);
  });

  it('decrypts without a KeyId: the blob names its key', async () => {
    const blob = await encrypt(aliasName);
    const decrypted = await local.kms.send(
      new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: auditContext }),
    );
    expect(text(decrypted.Plaintext)).toBe('whsec_local');
    expect(decrypted.KeyId).toBe(keyArn);
  });

  it('accepts the context in any key order', async () => {
    const blob = await encrypt(keyId, 'order', { a: '1', b: '2' });
    const decrypted = await local.kms.send(
      new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { b: '2', a: '1' } }),
    );
    expect(text(decrypted.Plaintext)).toBe('order');
  });

  it('produces a different ciphertext each time (random IV)', async () => {
    expect(Buffer.from(await encrypt(keyId))).not.toEqual(Buffer.from(await encrypt(keyId)));
  });

  it.each([
    ['a different value', { ...auditContext, provider: 'github' }],
    ['an extra pair', { ...auditContext, extra: 'x' }],
    ['a missing pair', { table: 'audit' }],
    ['no context', undefined],
  ])(
    'rejects %s in the encryption context with InvalidCiphertextException',
    async (_case, context) => {
      const blob = await encrypt(keyId);
      await expect(
        local.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context })),
      ).rejects.toBeInstanceOf(InvalidCiphertextException);
    },
  );

  it('rejects a context at decrypt when none was given at encrypt', async () => {
    const { CiphertextBlob } = await local.kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: utf8('bare') }),
    );
    await expect(
      local.kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { any: 'thing' } })),
    ).rejects.toBeInstanceOf(InvalidCiphertextException);
  });

  it.each([
    ['the version byte', 0],
    ['the key id', 5],
    ['the IV', 20],
    ['the tag', 35],
    ['the body', -1],
  ])('rejects a ciphertext with %s tampered with', async (_part, offset) => {
    const blob = Buffer.from(await encrypt(keyId));
    const index = offset < 0 ? blob.length + offset : offset;
    blob[index] = (blob[index] ?? 0) ^ 0x01;
    await expect(
      local.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: auditContext })),
    ).rejects.toBeInstanceOf(InvalidCiphertextException);
  });

  it('rejects a truncated ciphertext and random bytes', async () => {
    const blob = await encrypt(keyId);
    for (const CiphertextBlob of [
      blob.subarray(0, 30),
      blob.subarray(0, blob.length - 1),
      utf8('not a blob'),
    ]) {
      await expect(
        local.kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: auditContext })),
      ).rejects.toBeInstanceOf(InvalidCiphertextException);
    }
  });

  it('rejects a KeyId that is not the key that encrypted, with IncorrectKeyException', async () => {
    const other = await local.kms.send(new CreateKeyCommand({}));
    const blob = await encrypt(keyId);
    await expect(
      local.kms.send(
        new DecryptCommand({
          CiphertextBlob: blob,
          EncryptionContext: auditContext,
          KeyId: other.KeyMetadata?.KeyId,
        }),
      ),
    ).rejects.toBeInstanceOf(IncorrectKeyException);
  });

  it('refuses more than 4096 bytes of plaintext with ValidationException', async () => {
    const error = await local.kms
      .send(new EncryptCommand({ KeyId: keyId, Plaintext: new Uint8Array(4097) }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KMSServiceException);
    expect(error).toMatchObject({ name: 'ValidationException', $fault: 'client' });
    await expect(
      local.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: new Uint8Array(4096) })),
    ).resolves.toMatchObject({ KeyId: keyArn });
  });

  it('re-encrypts under another key and context', async () => {
    const other = await local.kms.send(new CreateKeyCommand({}));
    const otherArn = other.KeyMetadata?.Arn ?? '';
    const { CiphertextBlob, SourceKeyId, KeyId } = await local.kms.send(
      new ReEncryptCommand({
        CiphertextBlob: await encrypt(aliasName, 'moving'),
        SourceEncryptionContext: auditContext,
        DestinationKeyId: otherArn,
        DestinationEncryptionContext: { moved: 'yes' },
      }),
    );
    expect({ SourceKeyId, KeyId }).toEqual({ SourceKeyId: keyArn, KeyId: otherArn });
    const decrypted = await local.kms.send(
      new DecryptCommand({ CiphertextBlob, EncryptionContext: { moved: 'yes' } }),
    );
    expect(text(decrypted.Plaintext)).toBe('moving');
  });
});

describe('data keys', () => {
  it.each([
    ['KeySpec AES_256', { KeySpec: 'AES_256' as const }, 32],
    ['KeySpec AES_128', { KeySpec: 'AES_128' as const }, 16],
    ['NumberOfBytes 64', { NumberOfBytes: 64 }, 64],
  ])(
    'GenerateDataKey with %s returns a plaintext that Decrypt recovers',
    async (_case, size, bytes) => {
      const dataKey = await local.kms.send(
        new GenerateDataKeyCommand({ KeyId: aliasName, EncryptionContext: auditContext, ...size }),
      );
      expect(dataKey.Plaintext).toHaveLength(bytes);
      expect(dataKey.KeyId).toBe(keyArn);
      const decrypted = await local.kms.send(
        new DecryptCommand({
          CiphertextBlob: dataKey.CiphertextBlob,
          EncryptionContext: auditContext,
        }),
      );
      expect(Buffer.from(decrypted.Plaintext ?? [])).toEqual(Buffer.from(dataKey.Plaintext ?? []));
    },
  );

  it('GenerateDataKeyWithoutPlaintext returns only the ciphertext, which decrypts to 32 bytes', async () => {
    const dataKey = await local.kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256' }),
    );
    expect(dataKey).not.toHaveProperty('Plaintext');
    const decrypted = await local.kms.send(
      new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }),
    );
    expect(decrypted.Plaintext).toHaveLength(32);
  });

  it('requires exactly one of KeySpec and NumberOfBytes', async () => {
    for (const size of [{}, { KeySpec: 'AES_256' as const, NumberOfBytes: 32 }]) {
      await expect(
        local.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, ...size })),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    }
  });
});

describe('unknown keys and key states', () => {
  it.each([
    ['an unknown key id', '0b7c1d9e-0000-4000-8000-000000000000'],
    [
      'an unknown key ARN',
      'arn:aws:kms:us-east-1:000000000000:key/0b7c1d9e-0000-4000-8000-000000000000',
    ],
    ['an unknown alias', 'alias/nobody'],
    ['an ARN of another region', () => keyArn.replace('us-east-1', 'eu-west-1')],
    ['a malformed id', 'not-a-key'],
  ])('answers NotFoundException for %s', async (_case, spelling) => {
    const KeyId = typeof spelling === 'function' ? spelling() : spelling;
    await expect(local.kms.send(new DescribeKeyCommand({ KeyId }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(
      local.kms.send(new EncryptCommand({ KeyId, Plaintext: utf8('x') })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('refuses a disabled key with DisabledException until it is enabled again', async () => {
    const { KeyMetadata } = await local.kms.send(new CreateKeyCommand({}));
    const KeyId = KeyMetadata?.KeyId ?? '';
    const blob = await encrypt(KeyId);
    await local.kms.send(new DisableKeyCommand({ KeyId }));
    await expect(
      local.kms.send(new EncryptCommand({ KeyId, Plaintext: utf8('x') })),
    ).rejects.toBeInstanceOf(DisabledException);
    await expect(
      local.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: auditContext })),
    ).rejects.toBeInstanceOf(DisabledException);
    await local.kms.send(new EnableKeyCommand({ KeyId }));
    await expect(
      local.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: auditContext })),
    ).resolves.toMatchObject({ KeyId: KeyMetadata?.Arn });
  });

  it('refuses a key pending deletion with KMSInvalidStateException but still describes it', async () => {
    const { KeyMetadata } = await local.kms.send(new CreateKeyCommand({}));
    const KeyId = KeyMetadata?.KeyId ?? '';
    const scheduled = await local.kms.send(
      new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }),
    );
    expect(scheduled).toMatchObject({ KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    await expect(
      local.kms.send(new EncryptCommand({ KeyId, Plaintext: utf8('x') })),
    ).rejects.toBeInstanceOf(KMSInvalidStateException);
    const described = await local.kms.send(new DescribeKeyCommand({ KeyId }));
    expect(described.KeyMetadata?.DeletionDate).toEqual(scheduled.DeletionDate);
  });
});
