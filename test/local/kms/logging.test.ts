import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
} from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KmsStandInLogEntry } from '../../../local/kms/server.ts';
import { startWithClient, utf8 } from './stand-in.ts';

let directory: string | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** Every spelling of `bytes` a careless log line might contain. */
function spellings(bytes: Buffer): string[] {
  return [bytes.toString('base64'), bytes.toString('hex'), bytes.toString('base64url')];
}

describe('logging', () => {
  it('logs one entry per request and never key material, data keys or plaintext', async () => {
    const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const consoleSpies = consoleMethods.map((method) => vi.spyOn(console, method));
    directory = await mkdtemp(join(tmpdir(), 'kms-stand-in-'));
    const stateFile = join(directory, 'kms.json');
    const entries: KmsStandInLogEntry[] = [];
    const local = await startWithClient({ stateFile, log: (entry) => entries.push(entry) });
    const errors: unknown[] = [];
    let dataKey: Buffer;
    try {
      const { KeyMetadata } = await local.kms.send(new CreateKeyCommand({}));
      const KeyId = KeyMetadata?.KeyId ?? '';
      await local.kms.send(
        new CreateAliasCommand({ AliasName: 'alias/logged', TargetKeyId: KeyId }),
      );
      const generated = await local.kms.send(
        new GenerateDataKeyCommand({ KeyId: 'alias/logged', KeySpec: 'AES_256' }),
      );
      dataKey = Buffer.from(generated.Plaintext ?? []);
      const { CiphertextBlob } = await local.kms.send(
        new EncryptCommand({ KeyId, Plaintext: utf8('plaintext-in-the-clear') }),
      );
      const failures = [
        new DecryptCommand({ CiphertextBlob, EncryptionContext: { wrong: 'context' } }),
        new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, KeyId: 'alias/absent' }),
      ];
      for (const command of failures) {
        errors.push(await local.kms.send(command).catch((caught: unknown) => caught));
      }
      const tooLong = new EncryptCommand({ KeyId, Plaintext: new Uint8Array(5000).fill(65) });
      errors.push(await local.kms.send(tooLong).catch((caught: unknown) => caught));
    } finally {
      await local.close();
    }

    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    const keyMaterial = Buffer.from(state.keys[0].material, 'base64');
    expect(keyMaterial).toHaveLength(32);
    const secrets = [
      ...spellings(keyMaterial),
      ...spellings(dataKey),
      'plaintext-in-the-clear',
      Buffer.from('plaintext-in-the-clear').toString('base64'),
      'QUFBQUFB',
    ];
    const logged = JSON.stringify(entries);
    const raised = errors.map((error) => `${String(error)} ${JSON.stringify(error)}`).join('\n');
    for (const secret of secrets) {
      expect(logged).not.toContain(secret);
      expect(raised).not.toContain(secret);
    }

    expect(entries.map(({ operation, status }) => `${operation} ${status}`)).toEqual([
      'CreateKey 200',
      'CreateAlias 200',
      'GenerateDataKey 200',
      'Encrypt 200',
      'Decrypt 400',
      'Decrypt 400',
      'Encrypt 400',
    ]);
    expect(entries[4]).toMatchObject({ errorType: 'InvalidCiphertextException' });
    for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled();
  });

  it('logs nothing, to the console or anywhere, without a log callback', async () => {
    const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method),
    );
    const local = await startWithClient();
    try {
      const { KeyMetadata } = await local.kms.send(new CreateKeyCommand({}));
      await local.kms
        .send(new DecryptCommand({ CiphertextBlob: utf8('junk'), KeyId: KeyMetadata?.KeyId }))
        .catch(() => undefined);
    } finally {
      await local.close();
    }
    for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled();
  });
});
