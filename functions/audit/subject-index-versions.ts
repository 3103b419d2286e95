/**
 * The versions of the subject-index secret (subject-index-secret.ts) as its one registry item
 * holds them, and what a rotation keeps of them. One item rather than one per version: the
 * Lambda and the CLI read every version with the one GetItem they already make, and a
 * rotation replaces it with one conditional put, so two racing rotations cannot both win.
 *
 *   providerId  `_subject-index`
 *   ciphertext  the current version's GenerateDataKey CiphertextBlob
 *   createdAt   the current version's creation, ISO 8601
 *   version     the current version's number; absent on an item no rotation wrote: 1
 *   previous    the versions it replaced, newest first, each a map of `version`, `ciphertext`,
 *               `createdAt` and `retiredAt` (when the next replaced it); absent: none
 *
 * The current version is where an item from before rotations had its only one, so a Lambda
 * of either age hashes with it. New hashes are made with the current version only; the
 * previous ones are kept so that erasure still finds the subjects they indexed, for as long
 * as such a record can exist (`subjectIndexVersionKeptMs`), and a later rotation drops them.
 *
 * Pure: attribute values in, versions out; no AWS call.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { secretCacheSeconds } from '../config/limits.ts';
import { retentionClasses } from '../config/retention.ts';
import { firstSubjectIndexVersion } from './subject-index.ts';

/** One version of the secret: its ciphertext and dates, never its plaintext. */
export interface SubjectIndexVersion {
  readonly version: number;
  readonly ciphertext: Uint8Array;
  readonly createdAtMs: number;
  /** When the next version replaced it. @default - the current version */
  readonly retiredAtMs?: number;
}

/** Every version the item holds. */
export interface SubjectIndexVersions {
  readonly current: SubjectIndexVersion;
  /** Newest first. */
  readonly previous: readonly SubjectIndexVersion[];
  /** Whether the item names its version: a rotation's condition differs for one that does not. */
  readonly versioned: boolean;
}

/** The item is not a subject-index secret this code reads: it is not used rather than guessed at. */
export class SubjectIndexItemMalformedError extends Error {
  override readonly name = 'SubjectIndexItemMalformedError';
  readonly code = 'subject_index_malformed';
  constructor(problem: string) {
    super(`the subject-index secret's registry item is malformed: ${problem}`);
  }
}

/** Room past the longest retention: the Lambda's cache window, clocks, and TTL's deletion delay. */
const keptMarginDays = 30;

/**
 * How long after its retirement a version is kept: a record it indexed was received at most
 * `secretCacheSeconds` after it (a running function's cached copy) and is kept at most the
 * longest audit retention of any class (extended: 2,192 days), and DynamoDB's TTL deletes an
 * expired item within days, not at once. 30 days over the longest retention covers all three.
 */
export const subjectIndexVersionKeptMs =
  (Math.max(...Object.values(retentionClasses).map((c) => c.auditDays)) + keptMarginDays) *
    86_400_000 +
  secretCacheSeconds * 1000;

/** When a retired version may be dropped; undefined for the current one. */
export function versionKeptUntilMs(
  version: Pick<SubjectIndexVersion, 'retiredAtMs'>,
): number | undefined {
  return version.retiredAtMs === undefined
    ? undefined
    : version.retiredAtMs + subjectIndexVersionKeptMs;
}

/** Every version, the current first. */
export function heldVersions(versions: SubjectIndexVersions): readonly SubjectIndexVersion[] {
  return [versions.current, ...versions.previous];
}

/**
 * The versions an item holds; undefined when it holds no secret (no item, or no ciphertext),
 * SubjectIndexItemMalformedError when what it holds cannot be read.
 */
export function versionsOfItem(
  item: Record<string, AttributeValue> | undefined,
): SubjectIndexVersions | undefined {
  const ciphertext = item?.ciphertext?.B;
  if (item === undefined || ciphertext === undefined || ciphertext.length === 0) return undefined;
  const versioned = item.version !== undefined;
  const current = versionOf(
    {
      version: versioned ? item.version : { N: String(firstSubjectIndexVersion) },
      ciphertext: item.ciphertext,
      createdAt: item.createdAt,
    },
    'the current version',
  );
  const listed = item.previous;
  if (listed !== undefined && listed.L === undefined) {
    throw new SubjectIndexItemMalformedError('previous is not a list');
  }
  const previous = (listed?.L ?? []).map((entry, index) => {
    const at = `previous[${index}]`;
    if (entry.M === undefined) throw new SubjectIndexItemMalformedError(`${at} is not a map`);
    const version = versionOf(entry.M, at);
    if (version.retiredAtMs === undefined) {
      throw new SubjectIndexItemMalformedError(`${at} has no retiredAt`);
    }
    return version;
  });
  const numbers = [current, ...previous].map((version) => version.version);
  if (numbers.some((number, index) => index > 0 && number >= (numbers[index - 1] as number))) {
    throw new SubjectIndexItemMalformedError(
      `versions must run newest first, got ${numbers.join(', ')}`,
    );
  }
  return { current, previous, versioned };
}

function versionOf(fields: Record<string, AttributeValue | undefined>, at: string) {
  const version = Number(fields.version?.N);
  if (!Number.isSafeInteger(version) || version < firstSubjectIndexVersion) {
    throw new SubjectIndexItemMalformedError(`${at} has no version number`);
  }
  const ciphertext = fields.ciphertext?.B;
  if (ciphertext === undefined || ciphertext.length === 0) {
    throw new SubjectIndexItemMalformedError(`${at} has no ciphertext`);
  }
  const time = (name: string) => {
    const text = fields[name]?.S;
    const ms = text === undefined ? Number.NaN : Date.parse(text);
    if (!Number.isFinite(ms)) throw new SubjectIndexItemMalformedError(`${at} has no ${name} time`);
    return ms;
  };
  return {
    version,
    ciphertext,
    createdAtMs: time('createdAt'),
    ...(fields.retiredAt === undefined ? {} : { retiredAtMs: time('retiredAt') }),
  };
}

/** The item holding `versions` under `id`: always with its version, as a rotation writes it. */
export function itemOfVersions(
  id: string,
  versions: Omit<SubjectIndexVersions, 'versioned'>,
): Record<string, AttributeValue> {
  const { current, previous } = versions;
  return {
    providerId: { S: id },
    ciphertext: { B: current.ciphertext },
    createdAt: { S: new Date(current.createdAtMs).toISOString() },
    version: { N: String(current.version) },
    ...(previous.length === 0
      ? {}
      : {
          previous: {
            L: previous.map((version) => ({
              M: {
                version: { N: String(version.version) },
                ciphertext: { B: version.ciphertext },
                createdAt: { S: new Date(version.createdAtMs).toISOString() },
                retiredAt: { S: new Date(version.retiredAtMs as number).toISOString() },
              },
            })),
          },
        }),
  };
}

/** What a rotation writes, and which versions it drops. */
export interface RotationPlan {
  readonly versions: Omit<SubjectIndexVersions, 'versioned'>;
  /** Retired more than `subjectIndexVersionKeptMs` before now: no record they indexed is left. */
  readonly dropped: readonly number[];
}

/**
 * The versions after a rotation at `nowMs` to a new secret: the new one current, numbered
 * after the current one, which is retired now and kept with the previous ones still within
 * `subjectIndexVersionKeptMs` of their retirement; the others are dropped.
 */
export function rotatedVersions(
  held: SubjectIndexVersions,
  ciphertext: Uint8Array,
  nowMs: number,
): RotationPlan {
  const retired = [{ ...held.current, retiredAtMs: nowMs }, ...held.previous];
  const kept = retired.filter((version) => nowMs <= (versionKeptUntilMs(version) as number));
  return {
    versions: {
      current: { version: held.current.version + 1, ciphertext, createdAtMs: nowMs },
      previous: kept,
    },
    dropped: retired.filter((version) => !kept.includes(version)).map((version) => version.version),
  };
}
