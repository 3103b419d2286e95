/**
 * Optional persistence of the key store, so ciphertexts written by one run of the local stack
 * (registry secrets, audit data keys) still decrypt in the next, and a signing key's public key
 * stays the one an auditor already holds. The file holds key material:
 * it is written with mode 0600 and replaced atomically, never edited in place.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StateFileError } from './errors.ts';
import { isKeyMaterial, isKeySpec, type KeySpec, usageOf } from './key-specs.ts';
import {
  createKeyStore,
  isKeyId,
  type KeyState,
  type KeyStore,
  type StoredAlias,
  type StoredKey,
} from './key-store.ts';

const stateFileVersion = 1;
/** Owner read and write only: the file holds every key's material. */
const stateFileMode = 0o600;
const keyStates: readonly KeyState[] = ['Enabled', 'Disabled', 'PendingDeletion'];

interface KeyRecord {
  readonly keyId: string;
  /**
   * Absent in files written before signing keys existed: those hold only symmetric keys. The
   * usage is not recorded, since the stand-in gives each spec one usage (key-specs.ts).
   */
  readonly keySpec?: KeySpec;
  /** base64: the AES key, or the PKCS#8 DER private key of an ECC_NIST_P256 key. */
  readonly material: string;
  readonly createdAt: string;
  readonly description: string;
  readonly state: KeyState;
  readonly rotationEnabled: boolean;
  readonly rotationPeriodInDays: number;
  readonly deletionDate: string | null;
}

interface AliasRecord {
  readonly name: string;
  readonly targetKeyId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface StateRecord {
  readonly version: typeof stateFileVersion;
  readonly keys: readonly KeyRecord[];
  readonly aliases: readonly AliasRecord[];
}

/** The store saved at `path`, or an empty one when there is no file yet. */
export async function loadKeyStore(path: string, region: string): Promise<KeyStore> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return createKeyStore(region);
    throw new StateFileError(path, 'the file cannot be read', { cause: error });
  }
  let record: Partial<StateRecord>;
  try {
    record = JSON.parse(text);
  } catch {
    // No `cause`: V8's message quotes the text around the error, which may be key material.
    throw new StateFileError(path, 'the file is not valid JSON');
  }
  if (record?.version !== stateFileVersion) {
    throw new StateFileError(path, `expected version ${stateFileVersion}`);
  }
  const store = createKeyStore(region);
  for (const key of Array.isArray(record.keys) ? record.keys : []) {
    const stored = fromKeyRecord(key);
    if (!stored) throw new StateFileError(path, 'a key record is malformed');
    store.keys.set(stored.keyId, stored);
  }
  for (const alias of Array.isArray(record.aliases) ? record.aliases : []) {
    const stored = fromAliasRecord(alias);
    if (!stored || !store.keys.has(stored.targetKeyId)) {
      throw new StateFileError(path, 'an alias record is malformed or names no key');
    }
    store.aliases.set(stored.name, stored);
  }
  return store;
}

/** Writes `store` to `path` with mode 0600, replacing the previous file atomically. */
export async function saveKeyStore(path: string, store: KeyStore): Promise<void> {
  const record: StateRecord = {
    version: stateFileVersion,
    keys: [...store.keys.values()].map(toKeyRecord),
    aliases: [...store.aliases.values()].map(toAliasRecord),
  };
  const temporary = `${path}.${process.pid}.tmp`;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Created afresh ('wx') so a leftover file's wider mode is never inherited.
  await rm(temporary, { force: true });
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, {
    mode: stateFileMode,
    flag: 'wx',
  });
  // The umask may have narrowed the mode; make it exactly 0600.
  await chmod(temporary, stateFileMode);
  // rename is atomic: a crash leaves the old state or the new one, never half of either.
  await rename(temporary, path);
}

function toKeyRecord(key: StoredKey): KeyRecord {
  return {
    keyId: key.keyId,
    keySpec: key.keySpec,
    material: key.material.toString('base64'),
    createdAt: key.createdAt.toISOString(),
    description: key.description,
    state: key.state,
    rotationEnabled: key.rotationEnabled,
    rotationPeriodInDays: key.rotationPeriodInDays,
    deletionDate: key.deletionDate?.toISOString() ?? null,
  };
}

function toAliasRecord(alias: StoredAlias): AliasRecord {
  return {
    name: alias.name,
    targetKeyId: alias.targetKeyId,
    createdAt: alias.createdAt.toISOString(),
    updatedAt: alias.updatedAt.toISOString(),
  };
}

function fromKeyRecord(value: Partial<KeyRecord> | null): StoredKey | undefined {
  const keySpec = value?.keySpec ?? 'SYMMETRIC_DEFAULT';
  const material = Buffer.from(String(value?.material), 'base64');
  const createdAt = parseDate(value?.createdAt);
  const deletionDate = value?.deletionDate ? parseDate(value.deletionDate) : undefined;
  if (
    typeof value?.keyId !== 'string' ||
    !isKeyId(value.keyId) ||
    !isKeySpec(keySpec) ||
    !isKeyMaterial(keySpec, material) ||
    !createdAt ||
    typeof value.description !== 'string' ||
    !keyStates.includes(value.state as KeyState) ||
    typeof value.rotationEnabled !== 'boolean' ||
    typeof value.rotationPeriodInDays !== 'number' ||
    (value.deletionDate && !deletionDate)
  ) {
    return undefined;
  }
  return {
    keyId: value.keyId,
    keySpec,
    keyUsage: usageOf(keySpec),
    material,
    createdAt,
    description: value.description,
    state: value.state as KeyState,
    rotationEnabled: value.rotationEnabled,
    rotationPeriodInDays: value.rotationPeriodInDays,
    deletionDate,
  };
}

function fromAliasRecord(value: Partial<AliasRecord> | null): StoredAlias | undefined {
  const createdAt = parseDate(value?.createdAt);
  const updatedAt = parseDate(value?.updatedAt);
  if (
    typeof value?.name !== 'string' ||
    !value.name.startsWith('alias/') ||
    typeof value.targetKeyId !== 'string' ||
    !createdAt ||
    !updatedAt
  ) {
    return undefined;
  }
  return { name: value.name, targetKeyId: value.targetKeyId, createdAt, updatedAt };
}

function parseDate(value: unknown): Date | undefined {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}
