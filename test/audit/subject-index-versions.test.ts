/**
 * The subject-index secret's versions as its registry item holds them: read from an item of
 * either age, written back, and what a rotation keeps of them, at the boundary of the longest
 * audit retention.
 */
import { describe, expect, it } from 'vitest';
import {
  itemOfVersions,
  rotatedVersions,
  SubjectIndexItemMalformedError,
  type SubjectIndexVersions,
  subjectIndexVersionKeptMs,
  versionKeptUntilMs,
  versionsOfItem,
} from '../../functions/audit/subject-index-versions.ts';
import { secretCacheSeconds } from '../../functions/config/limits.ts';
import { retentionClasses } from '../../functions/config/retention.ts';

const dayMs = 86_400_000;
const createdMs = Date.parse('2026-01-01T00:00:00.000Z');
const blob = (byte: number) => new Uint8Array([byte, byte, byte]);

describe('versionsOfItem', () => {
  it('reads an item from before rotations as version 1, unversioned', () => {
    const item = {
      providerId: { S: '_subject-index' },
      ciphertext: { B: blob(1) },
      createdAt: { S: '2026-01-01T00:00:00.000Z' },
    };
    expect(versionsOfItem(item)).toEqual({
      current: { version: 1, ciphertext: blob(1), createdAtMs: createdMs },
      previous: [],
      versioned: false,
    });
  });

  it('reads back what a rotation writes', () => {
    const versions = {
      current: { version: 3, ciphertext: blob(3), createdAtMs: createdMs + 20 * dayMs },
      previous: [
        {
          version: 2,
          ciphertext: blob(2),
          createdAtMs: createdMs + 10 * dayMs,
          retiredAtMs: createdMs + 20 * dayMs,
        },
        {
          version: 1,
          ciphertext: blob(1),
          createdAtMs: createdMs,
          retiredAtMs: createdMs + 10 * dayMs,
        },
      ],
    };
    expect(versionsOfItem(itemOfVersions('_subject-index', versions))).toEqual({
      ...versions,
      versioned: true,
    });
  });

  it('finds no secret in no item, or in one without a ciphertext', () => {
    expect(versionsOfItem(undefined)).toBeUndefined();
    expect(versionsOfItem({ providerId: { S: '_subject-index' } })).toBeUndefined();
  });

  it.each([
    ['no creation time', { createdAt: { S: 'yesterday' } }, 'the current version has no createdAt'],
    ['a version that is no number', { version: { S: '2' } }, 'no version number'],
    ['previous that is no list', { previous: { S: 'v1' } }, 'previous is not a list'],
    [
      'a previous version with no retirement',
      {
        version: { N: '2' },
        previous: {
          L: [
            {
              M: {
                version: { N: '1' },
                ciphertext: { B: blob(1) },
                createdAt: { S: '2026-01-01T00:00:00Z' },
              },
            },
          ],
        },
      },
      'previous[0] has no retiredAt',
    ],
    [
      'versions out of order',
      {
        version: { N: '1' },
        previous: {
          L: [
            {
              M: {
                version: { N: '2' },
                ciphertext: { B: blob(2) },
                createdAt: { S: '2026-01-01T00:00:00Z' },
                retiredAt: { S: '2026-01-02T00:00:00Z' },
              },
            },
          ],
        },
      },
      'versions must run newest first, got 1, 2',
    ],
  ])('refuses an item with %s rather than guess', (_, change, problem) => {
    const item = {
      providerId: { S: '_subject-index' },
      ciphertext: { B: blob(1) },
      createdAt: { S: '2026-01-01T00:00:00.000Z' },
      ...change,
    };
    expect(() => versionsOfItem(item)).toThrow(SubjectIndexItemMalformedError);
    expect(() => versionsOfItem(item)).toThrow(problem);
  });
});

describe('rotatedVersions', () => {
  const held: SubjectIndexVersions = {
    current: { version: 2, ciphertext: blob(2), createdAtMs: createdMs + 100 * dayMs },
    previous: [
      {
        version: 1,
        ciphertext: blob(1),
        createdAtMs: createdMs,
        retiredAtMs: createdMs + 100 * dayMs,
      },
    ],
    versioned: true,
  };

  it('keeps versions as long as the longest audit retention, with room for the cache, clocks and TTL', () => {
    const longest = Math.max(...Object.values(retentionClasses).map((c) => c.auditDays));
    expect(longest).toBe(2_192);
    expect(subjectIndexVersionKeptMs).toBe((longest + 30) * dayMs + secretCacheSeconds * 1000);
    expect(versionKeptUntilMs(held.current)).toBeUndefined();
  });

  it('numbers the new version next, retires the current one now, and keeps it', () => {
    const nowMs = createdMs + 465 * dayMs;
    const plan = rotatedVersions(held, blob(3), nowMs);
    expect(plan).toEqual({
      versions: {
        current: { version: 3, ciphertext: blob(3), createdAtMs: nowMs },
        previous: [{ ...held.current, retiredAtMs: nowMs }, held.previous[0]],
      },
      dropped: [],
    });
  });

  it('drops a retired version one millisecond after it is no longer needed, not at that moment', () => {
    const until = versionKeptUntilMs(held.previous[0] as SubjectIndexVersions['current']) as number;
    expect(rotatedVersions(held, blob(3), until).dropped).toEqual([]);
    const plan = rotatedVersions(held, blob(3), until + 1);
    expect(plan.dropped).toEqual([1]);
    expect(plan.versions.previous.map((version) => version.version)).toEqual([2]);
  });
});
