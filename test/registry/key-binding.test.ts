/**
 * What a provider key is bound to (functions/registry/key-binding.ts): every security setting
 * changes the digest, `enabled`, the source allowlist and the order options were given in do not.
 */
import { describe, expect, it } from 'vitest';
import {
  providerKeyContext,
  providerKeyContextKeys,
  settingsDigest,
} from '../../functions/registry/key-binding.ts';
import { type ProviderSettings, withDefaults } from '../../functions/registry/provider.ts';

const base = withDefaults({
  providerId: 'shop-live',
  scheme: 'hmac',
  options: { header: 'X-Signature', algorithm: 'sha256' },
  redaction: [{ path: 'customer.email', action: 'mask' }],
});

describe('settings digest', () => {
  it.each([
    ['providerId', { providerId: 'shop-test' }],
    ['scheme', { scheme: 'github' as const }],
    ['an option value', { options: { header: 'X-Other', algorithm: 'sha256' } }],
    ['an added option', { options: { ...base.options, allowSha1: 'true' } }],
    ['the tolerance', { toleranceSeconds: 3600 }],
    ['the dedup window', { dedupWindowSeconds: 60 }],
    ['the retention class', { retentionClass: 'minimal' as const }],
    ['a redaction action', { redaction: [{ path: 'customer.email', action: 'drop' as const }] }],
    ['no redaction', { redaction: [] }],
    ['the subject path', { subjectKeyPath: 'customer.id' }],
  ])('changes with %s', (_what, change) => {
    expect(settingsDigest({ ...base, ...change })).not.toBe(settingsDigest(base));
  });

  it('is the same whatever order the options came in, and whether the provider is enabled', () => {
    const reordered = { ...base, options: { algorithm: 'sha256', header: 'X-Signature' } };
    expect(settingsDigest(reordered)).toBe(settingsDigest(base));
    const disabled: ProviderSettings = { ...base, enabled: false };
    expect(settingsDigest(disabled)).toBe(settingsDigest(base));
  });

  it('leaves out the source allowlist: it changes (and its published list refreshes) without the keys', () => {
    const published = { list: 'github', ranges: ['192.30.252.0/22'], fetchedAtMs: 1 };
    for (const sources of [{ ranges: ['203.0.113.0/24'] }, { ranges: [], published }]) {
      expect(settingsDigest({ ...base, sources })).toBe(settingsDigest(base));
    }
  });

  it('is versioned and fits an encryption context value', () => {
    expect(settingsDigest(base)).toMatch(/^v1:[A-Za-z0-9_-]{43}$/);
  });
});

describe('encryption context', () => {
  it('names the provider, purpose, scheme and key kind, and carries the digest, under the keys the key policy allows', () => {
    const context = providerKeyContext(base, 'secret');
    expect(context).toEqual({
      providerId: 'shop-live',
      purpose: 'webhook-provider-secret',
      scheme: 'hmac',
      keyKind: 'secret',
      settings: settingsDigest(base),
    });
    expect(Object.keys(context).sort()).toEqual([...providerKeyContextKeys].sort());
    expect(providerKeyContext(base, 'public-key').keyKind).toBe('public-key');
  });
});
