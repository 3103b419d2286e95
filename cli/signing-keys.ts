/**
 * The key a test delivery is signed with: a test key (registered by `--register-test-key`, or
 * read from `--test-key-file`), a secret given on stdin or in a file, or the provider's newest
 * registered secret, decrypted with KMS.
 */
import { readFile } from 'node:fs/promises';
import type { ProviderConfig } from '../functions/registry/provider.ts';
import {
  maxGraceSeconds,
  type ProviderRegistryStore,
} from '../functions/registry/registry-store.ts';
import { decryptProviderKey, encryptProviderKey } from '../functions/registry/secrets.ts';
import type { Signer, SigningKey } from '../functions/verify/scheme.sign.ts';
import { getScheme } from '../functions/verify/verify.ts';
import { type AdminContext, runAudited } from './identity.ts';
import { type ExitCode, exitCodes, type Io, UsageError } from './io.ts';
import { withKmsPermission } from './kms-permission.ts';
import { keyFromFile, parseDuration } from './parse.ts';
import { confirmStoredSettings } from './settings-binding.ts';
import type { Target } from './target.ts';
import { readTestKeyFile, reserveTestKeyFile, type TestKey } from './test-key-file.ts';

/** The flags that choose the signing key, as commander collects them. */
export interface SigningKeyFlags {
  readonly secretStdin?: boolean;
  readonly secretFile?: string;
  readonly testKeyFile?: string;
  readonly registerTestKey?: boolean;
  readonly testKeyValidFor?: string;
  readonly json?: boolean;
}

/** How long a test key is accepted unless `--test-key-valid-for` says otherwise. */
export const defaultTestKeyValidity = '24h';

/** Why a scheme needs a test key, and the flags that give one. */
export const testKeyNeeded = (scheme: string) =>
  `scheme '${scheme}' is signed with the provider's private key, which never leaves the provider: register a test key with --register-test-key --test-key-file <file>, or sign with one registered before with --test-key-file <file>`;

/** The key to sign with, where it came from (for the admin record), and how to name it. */
export interface SigningChoice {
  readonly key: SigningKey;
  readonly source: 'registered' | 'stdin' | 'file' | 'test-key';
  /** @default - a secret given on the command line has no version */
  readonly version?: number;
  readonly label: string;
}

/** The key to sign with: the test key given, a secret given, or the registered secret. */
export async function signingKeyOf(
  target: Target,
  config: ProviderConfig,
  signer: Signer,
  flags: SigningKeyFlags,
  io: Io,
  testKey: TestKey | undefined,
): Promise<SigningChoice> {
  if (testKey !== undefined) {
    const { privateKey, keyId, keyVersion } = testKey;
    return {
      key: { kind: 'test-key', privateKey, ...(keyId === undefined ? {} : { keyId }) },
      source: 'test-key',
      version: keyVersion,
      label: `test key v${keyVersion}`,
    };
  }
  if (flags.secretStdin || flags.secretFile !== undefined) {
    const value = keyFromFile(
      flags.secretFile === undefined
        ? await io.readSecret(`secret for provider '${config.providerId}' (input hidden): `)
        : await readSecretFile(flags.secretFile),
    );
    if (value === '') throw new UsageError('the secret given is empty');
    return flags.secretFile === undefined
      ? { key: { kind: 'secret', value }, source: 'stdin', label: 'secret from stdin' }
      : {
          key: { kind: 'secret', value },
          source: 'file',
          label: `secret from ${flags.secretFile}`,
        };
  }
  return registeredSecret(target, config, signer);
}

async function readSecretFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read --secret-file '${path}' (${code})`);
  }
}

/** The newest key valid now that the signer can sign with, decrypted with KMS. */
async function registeredSecret(
  target: Target,
  config: ProviderConfig,
  signer: Signer,
): Promise<SigningChoice> {
  const nowMs = Date.now();
  const valid = config.keys
    .filter((key) => key.notAfterMs === undefined || key.notAfterMs > nowMs)
    .sort((a, b) => b.version - a.version);
  for (const key of valid) {
    const value = await withKmsPermission(
      'Decrypt',
      `the secrets key ${target.names.secretsKeyId}`,
      '. A deployed key policy lets only the ingest function decrypt provider secrets: give the secret with --secret-stdin or --secret-file instead',
      () =>
        decryptProviderKey({
          kms: target.kms,
          keyId: target.names.secretsKeyId,
          settings: config,
          keyKind: key.kind,
          ciphertext: key.ciphertext,
        }),
    );
    if (signer.canSignWith?.(value) ?? true) {
      return {
        key: { kind: 'secret', value },
        source: 'registered',
        version: key.version,
        label: `registered key v${key.version}`,
      };
    }
  }
  throw new UsageError(testKeyNeeded(config.scheme));
}

/** A test key from its file, checked against the provider it is sent to. */
export async function registeredTestKey(config: ProviderConfig, path: string): Promise<TestKey> {
  const testKey = await readTestKeyFile(path);
  if (testKey.providerId !== config.providerId || testKey.scheme !== config.scheme) {
    throw new UsageError(
      `--test-key-file '${path}' holds a test key of provider '${testKey.providerId}' (scheme ${testKey.scheme}), not of '${config.providerId}' (scheme ${config.scheme})`,
    );
  }
  const registered = config.keys.find((key) => key.version === testKey.keyVersion);
  if (registered === undefined || (registered.notAfterMs ?? Infinity) <= Date.now()) {
    throw new UsageError(
      `test key v${testKey.keyVersion} of provider '${config.providerId}' is no longer accepted (expired, or dropped by a rotation): register a new one with --register-test-key`,
    );
  }
  return testKey;
}

/**
 * Adds a fresh test key to the provider as one more key version, its existing keys untouched
 * (a rotation would cap them at its grace), and accepted until `--test-key-valid-for` from now:
 * a forgotten test key must not stay a way to forge deliveries. The private half is written
 * to its file before the provider changes, so a registered key always has it on disk.
 */
export async function registerTestKey(
  context: AdminContext,
  registry: ProviderRegistryStore,
  config: ProviderConfig,
  signer: Signer,
  flags: SigningKeyFlags,
): Promise<{ code: ExitCode; testKey?: TestKey }> {
  const { target } = context;
  const path = flags.testKeyFile;
  if (path === undefined) {
    throw new UsageError(
      '--register-test-key needs --test-key-file <file> to keep the private key in',
    );
  }
  const validSeconds = parseDuration(
    flags.testKeyValidFor ?? defaultTestKeyValidity,
    '--test-key-valid-for',
  );
  if (validSeconds < 60 || validSeconds > maxGraceSeconds) {
    throw new UsageError(
      `--test-key-valid-for must be from 1m to 30d, got '${flags.testKeyValidFor}'`,
    );
  }
  const pair = signer.generateTestKey?.();
  if (pair === undefined) throw new UsageError(testKeyNeeded(config.scheme));
  const file = await reserveTestKeyFile(path);
  let registered: TestKey | undefined;
  try {
    const code = await runAudited(
      context,
      'provider.add-test-key',
      config.providerId,
      async (detail) => {
        const kind = getScheme(config.scheme).keyKind;
        const nowMs = Date.now();
        const testKey: TestKey = {
          providerId: config.providerId,
          scheme: config.scheme,
          keyVersion: Math.max(0, ...config.keys.map((key) => key.version)) + 1,
          ...(pair.keyId === undefined ? {} : { keyId: pair.keyId }),
          notAfterMs: nowMs + validSeconds * 1000,
          privateKey: pair.privateKey,
        };
        const notAfter = new Date(testKey.notAfterMs).toISOString();
        Object.assign(detail, { scheme: config.scheme, keyKind: kind, keyNotAfter: notAfter });
        // The test key is bound to the stored settings: first prove they are the registered ones.
        await confirmStoredSettings(target, config);
        const ciphertext = await withKmsPermission(
          'Encrypt',
          `the secrets key ${target.names.secretsKeyId}`,
          '',
          () =>
            encryptProviderKey({
              kms: target.kms,
              keyId: target.names.secretsKeyId,
              settings: config,
              keyKind: kind,
              value: pair.publicKeyText,
            }),
        );
        await file.write(testKey);
        const updated = await registry.put({
          ...config,
          keys: [
            ...config.keys,
            {
              version: testKey.keyVersion,
              kind,
              ciphertext,
              createdAtMs: nowMs,
              notAfterMs: testKey.notAfterMs,
            },
          ],
        });
        registered = testKey;
        Object.assign(detail, {
          keyVersion: String(testKey.keyVersion),
          revision: String(updated.revision),
        });
        const report = {
          action: 'provider.add-test-key',
          providerId: config.providerId,
          keyVersion: testKey.keyVersion,
          notAfter,
          testKeyFile: path,
        };
        return {
          code: exitCodes.ok,
          stdout: flags.json
            ? `${JSON.stringify(report)}\n`
            : `added test key v${testKey.keyVersion} to provider '${config.providerId}', accepted until ${notAfter}; its private key is in ${path} (mode 0600): sign with it again with --test-key-file\n`,
        };
      },
    );
    return registered === undefined ? { code } : { code, testKey: registered };
  } finally {
    if (registered === undefined) await file.discard();
  }
}
