/**
 * The file that keeps a test key's private half for later sends: JSON naming the provider,
 * scheme and key version it was registered as, with the key as PKCS #8 PEM. Written once,
 * owner-only (0600), never overwritten; the operator deletes it when done.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type FileHandle, open, readFile, rm } from 'node:fs/promises';
import { isProviderId } from '../functions/registry/provider.ts';
import { type SchemeName, schemes } from '../functions/verify/schemes/index.ts';
import { UsageError } from './io.ts';

/** Tells a test key file from any other JSON, and its layout version. */
const fileFormat = 'webhooks-test-key/1';

/** Owner read and write only: the file holds a private key. */
const testKeyFileMode = 0o600;

/** A registered test key, with the private half to sign with. */
export interface TestKey {
  readonly providerId: string;
  readonly scheme: SchemeName;
  readonly keyVersion: number;
  /** @default - the scheme names no key id */
  readonly keyId?: string;
  /** When the registered public half stops being accepted. */
  readonly notAfterMs: number;
  readonly privateKey: KeyObject;
}

/** A test key file created empty, to be written once the key is registered, or removed. */
export interface ReservedTestKeyFile {
  write(key: TestKey): Promise<void>;
  /** Removes the file: nothing was registered. */
  discard(): Promise<void>;
}

/**
 * Creates the file, exclusively and owner-only, before any key is registered, so that a path
 * that exists or cannot be written refuses the command before it changes the provider.
 */
export async function reserveTestKeyFile(path: string): Promise<ReservedTestKeyFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx', testKeyFileMode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unwritable';
    throw new UsageError(
      code === 'EEXIST'
        ? `--test-key-file '${path}' already exists: name a new file (a test key file is never overwritten)`
        : `cannot create --test-key-file '${path}' (${code})`,
    );
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= handle.close();
    return closing;
  };
  return {
    async write(key) {
      try {
        await handle.writeFile(`${JSON.stringify(serialized(key), null, 2)}\n`);
      } finally {
        await close();
      }
    },
    async discard() {
      await close();
      await rm(path, { force: true });
    },
  };
}

function serialized(key: TestKey) {
  return {
    format: fileFormat,
    providerId: key.providerId,
    scheme: key.scheme,
    keyVersion: key.keyVersion,
    ...(key.keyId === undefined ? {} : { keyId: key.keyId }),
    notAfter: new Date(key.notAfterMs).toISOString(),
    privateKey: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Reads a file written by {@link reserveTestKeyFile}; UsageError naming the flag otherwise. */
export async function readTestKeyFile(path: string): Promise<TestKey> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read --test-key-file '${path}' (${code})`);
  }
  const invalid = () =>
    new UsageError(
      `--test-key-file '${path}' is not a test key file written by --register-test-key`,
    );
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw invalid();
  }
  const { format, providerId, scheme, keyVersion, keyId, notAfter, privateKey } = document ?? {};
  const notAfterMs = typeof notAfter === 'string' ? Date.parse(notAfter) : Number.NaN;
  if (
    format !== fileFormat ||
    !isProviderId(providerId) ||
    typeof scheme !== 'string' ||
    !Object.hasOwn(schemes, scheme) ||
    !Number.isSafeInteger(keyVersion) ||
    (keyId !== undefined && typeof keyId !== 'string') ||
    !Number.isFinite(notAfterMs) ||
    typeof privateKey !== 'string'
  ) {
    throw invalid();
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKey);
  } catch {
    throw invalid();
  }
  return {
    providerId,
    scheme: scheme as SchemeName,
    keyVersion: keyVersion as number,
    ...(keyId === undefined ? {} : { keyId }),
    notAfterMs,
    privateKey: key,
  };
}
