import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  InvalidCiphertextException,
  ListAliasesCommand,
} from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateFileError } from '../../../local/kms/errors.ts';
import { startKmsStandIn } from '../../../local/kms/server.ts';
import { startWithClient, text, utf8 } from './stand-in.ts';

let directory: string;
let stateFile: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kms-stand-in-'));
  stateFile = join(directory, 'state', 'kms.json');
});

afterEach(() => rm(directory, { recursive: true, force: true }));

async function encryptUnderNewAlias(): Promise<Uint8Array> {
  const first = await startWithClient({ stateFile });
  try {
    const { KeyMetadata } = await first.kms.send(new CreateKeyCommand({}));
    await first.kms.send(
      new CreateAliasCommand({ AliasName: 'alias/kept', TargetKeyId: KeyMetadata?.KeyId }),
    );
    const { CiphertextBlob } = await first.kms.send(
      new EncryptCommand({
        KeyId: 'alias/kept',
        Plaintext: utf8('survives a restart'),
        EncryptionContext: { purpose: 'test' },
      }),
    );
    return CiphertextBlob ?? new Uint8Array();
  } finally {
    await first.close();
  }
}

describe('persistence', () => {
  it('keeps keys and aliases across a restart with the same stateFile', async () => {
    const blob = await encryptUnderNewAlias();
    const second = await startWithClient({ stateFile });
    try {
      const decrypted = await second.kms.send(
        new DecryptCommand({
          KeyId: 'alias/kept',
          CiphertextBlob: blob,
          EncryptionContext: { purpose: 'test' },
        }),
      );
      expect(text(decrypted.Plaintext)).toBe('survives a restart');
      const { Aliases } = await second.kms.send(new ListAliasesCommand({}));
      expect(Aliases?.map((alias) => alias.AliasName)).toEqual(['alias/kept']);
    } finally {
      await second.close();
    }
  });

  it('keeps nothing without a stateFile: the blob names a key the next run lacks', async () => {
    const blob = await encryptUnderNewAlias();
    const inMemory = await startWithClient();
    try {
      await expect(
        inMemory.kms.send(
          new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { purpose: 'test' } }),
        ),
      ).rejects.toBeInstanceOf(InvalidCiphertextException);
    } finally {
      await inMemory.close();
    }
  });

  it('writes the state file with mode 0600', async () => {
    await encryptUnderNewAlias();
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);
  });

  it('narrows a state file found with a wider mode back to 0600 on the next write', async () => {
    await encryptUnderNewAlias();
    await chmod(stateFile, 0o644);
    const again = await startWithClient({ stateFile });
    await again.kms.send(new CreateKeyCommand({}));
    await again.close();
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);
  });

  it('refuses a corrupt state file without quoting its content', async () => {
    const corruptFile = join(directory, 'corrupt.json');
    await writeFile(corruptFile, '{"version":1,"keys":[{"material":"c2VjcmV0', { mode: 0o600 });
    const corrupt = startKmsStandIn({ stateFile: corruptFile });
    await expect(corrupt).rejects.toBeInstanceOf(StateFileError);
    const error = await corrupt.catch((caught: unknown) => caught);
    expect(String(error)).not.toContain('c2VjcmV0');
    expect((error as Error).cause).toBeUndefined();
  });

  it('refuses a state file whose key material is not 32 bytes', async () => {
    await encryptUnderNewAlias();
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    state.keys[0].material = Buffer.alloc(16).toString('base64');
    await writeFile(stateFile, JSON.stringify(state));
    await expect(startKmsStandIn({ stateFile })).rejects.toThrow(/a key record is malformed/);
  });
});
