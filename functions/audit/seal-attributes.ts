/**
 * How a seal (record-seal.ts) is stored: its type, and the attributes that hold it in a record
 * item, a delivery item and each entry of a delivery item's `attempts`. Apart from the sealing
 * itself so that record.ts can read and write seals without importing what reads records.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** A seal as an item stores it. */
export interface Seal {
  /** The seal data key's encrypted blob (GenerateDataKey's CiphertextBlob). */
  readonly key: Buffer;
  /** MAC of the fields erasure keeps. */
  readonly fields: Buffer;
  /** MAC of those and the personal fields; gone once the record is erased. */
  readonly personal?: Buffer;
}

/**
 * The operator's seal on an erasure (record-seal.ts, `erasureSealContent`): over the erased
 * item's identity, when it was erased and the receipt that answers it.
 */
export interface ErasureSeal {
  readonly key: Buffer;
  readonly mac: Buffer;
  /** The erased item's identity, from its keys as read: `<providerId>#<record sort key>`. */
  readonly itemId: string;
}

/** A delivery record's seal, and whether it seals the record or only its attempt. */
export interface RecordSeal extends Seal {
  readonly scope: 'record' | 'attempt';
  /** Set once the record is erased, by the erasure. */
  readonly erasure?: ErasureSeal;
}

/** Where an erased item keeps its erasure seal. */
export const erasureSealAttributes = { key: 'erasureSealKey', mac: 'erasureSeal' } as const;

/** The erasure seal an item holds, for the item `itemId`; undefined when it holds none. */
export function erasureSealOf(
  item: Readonly<Record<string, AttributeValue | undefined>>,
  itemId: string,
): ErasureSeal | undefined {
  const key = item[erasureSealAttributes.key]?.B;
  const mac = item[erasureSealAttributes.mac]?.B;
  return key === undefined || mac === undefined
    ? undefined
    : { key: bufferOf(key), mac: bufferOf(mac), itemId };
}

/**
 * Where a seal is kept. A record item holds its key's blob itself; a delivery item holds each
 * blob once, as an attribute of its own named for the blob's fingerprint (`sealKeyAttribute`),
 * and its accepted record and each of its attempts name that fingerprint: the attempts of one
 * delivery are mostly sealed under one key, and a blob is 184 bytes on AWS.
 */
export interface SealAttributeNames {
  readonly key: string;
  readonly fields: string;
  readonly personal: string;
  /** Whether `key` holds the fingerprint of a blob kept elsewhere in the item. */
  readonly byReference: boolean;
}

/** A record item's seal. */
export const recordSealAttributes: SealAttributeNames = {
  key: 'sealKey',
  fields: 'seal',
  personal: 'sealPersonal',
  byReference: false,
};
/** A delivery item's accepted record's. */
export const deliverySealAttributes: SealAttributeNames = {
  ...recordSealAttributes,
  key: 'sealKeyRef',
  byReference: true,
};
/** Each entry of a delivery item's `attempts`. */
export const attemptSealAttributes: SealAttributeNames = {
  key: 'k',
  fields: 's',
  personal: 'sp',
  byReference: true,
};

const fingerprintBytes = 8;
const keyAttributePrefix = 'sealKey_';

/** The fingerprint a delivery item names a seal key's blob by: 8 bytes of its SHA-256, hex. */
export function sealKeyFingerprint(blob: Uint8Array): string {
  return createHash('sha256').update(blob).digest().subarray(0, fingerprintBytes).toString('hex');
}

/** The delivery item attribute that holds the blob of `fingerprint`. */
export function sealKeyAttribute(fingerprint: string): string {
  return `${keyAttributePrefix}${fingerprint}`;
}

/** The attribute a delivery item keeps the seal's key blob in. */
export function sealKeyBlobAttribute(seal: Seal): Record<string, AttributeValue> {
  return { [sealKeyAttribute(sealKeyFingerprint(seal.key))]: { B: seal.key } };
}

/** The seal as attributes under `names`; the personal MAC only where `withPersonal`. */
export function sealToAttributes(
  seal: Seal,
  names: SealAttributeNames,
  withPersonal: boolean,
): Record<string, AttributeValue> {
  return {
    [names.key]: names.byReference ? { S: sealKeyFingerprint(seal.key) } : { B: seal.key },
    [names.fields]: { B: seal.fields },
    ...(withPersonal && seal.personal !== undefined
      ? { [names.personal]: { B: seal.personal } }
      : {}),
  };
}

/**
 * The seal stored under `names` in `attributes`, its blob looked up in `item` when named by
 * fingerprint; undefined when they hold none, or name a blob the item does not hold.
 */
export function sealFromAttributes(
  attributes: Readonly<Record<string, AttributeValue | undefined>>,
  names: SealAttributeNames,
  item: Readonly<Record<string, AttributeValue | undefined>> = attributes,
): Seal | undefined {
  const keyValue = attributes[names.key];
  const key = names.byReference
    ? keyValue?.S === undefined
      ? undefined
      : item[sealKeyAttribute(keyValue.S)]?.B
    : keyValue?.B;
  const fields = attributes[names.fields]?.B;
  const personal = attributes[names.personal]?.B;
  if (key === undefined || fields === undefined) return undefined;
  return {
    key: bufferOf(key),
    fields: bufferOf(fields),
    ...(personal === undefined ? {} : { personal: bufferOf(personal) }),
  };
}

/** Whether an attribute of a delivery item holds a seal key's blob. */
export function isSealKeyAttribute(name: string): boolean {
  return name.startsWith(keyAttributePrefix);
}

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
