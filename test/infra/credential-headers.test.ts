/**
 * Which request headers a deployment treats as carrying a credential (infra/credential-headers.ts):
 * the catalog's, derived from the schemes and the named providers, and the declared ones. The
 * synthesized WAF configuration is read in test/infra/waf-redaction.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isCredentialHeader } from '../../functions/config/headers.ts';
import { schemes } from '../../functions/verify/schemes/index.ts';
import { credentialHeadersOf, getScheme } from '../../functions/verify/verify.ts';
import {
  catalogCredentialHeaders,
  declaredHeaderProblems,
  deploymentCredentialHeaders,
  namedProviderCredentialHeaders,
  parseCredentialHeaders,
  resolveCredentialHeaders,
} from '../../infra/credential-headers.ts';
import { namedProviders } from '../../ops/catalog/catalog.ts';

/** The headers a named provider's options make its scheme read a credential from. */
function configuredHeaders(provider: (typeof namedProviders)[number]): string[] {
  const scheme = getScheme(provider.scheme);
  const options = scheme.parseOptions?.(provider.options ?? {}) ?? {};
  return credentialHeadersOf(provider.scheme, options).map((name) => name.toLowerCase());
}

describe('the catalog credential headers', () => {
  it("copies exactly the headers the named providers configure (add a new provider's header to namedProviderCredentialHeaders)", () => {
    const configured = [...new Set(namedProviders.flatMap(configuredHeaders))].sort();
    expect(namedProviderCredentialHeaders).toEqual(configured);
  });

  it.each(Object.keys(schemes))('holds every header scheme %s reads a credential from', (name) => {
    const scheme = getScheme(name);
    const catalog = catalogCredentialHeaders();
    for (const header of scheme.headers.filter(isCredentialHeader)) {
      expect(catalog).toContain(header.toLowerCase());
    }
  });

  it("holds GitLab's plaintext token and the static scheme's default header", () => {
    expect(catalogCredentialHeaders()).toEqual(
      expect.arrayContaining([
        'x-gitlab-token',
        'authorization',
        'x-telegram-bot-api-secret-token',
      ]),
    );
  });

  it('lists each header once, in lower case, sorted', () => {
    const catalog = catalogCredentialHeaders();
    expect(catalog).toEqual([...new Set(catalog.map((name) => name.toLowerCase()))].sort());
  });
});

describe('declared credential headers', () => {
  it("add to the catalog's, whatever their case", () => {
    const headers = deploymentCredentialHeaders([
      'X-Webhook-Key',
      'x-webhook-key',
      'Authorization',
    ]);
    expect(headers).toContain('x-webhook-key');
    expect(headers.filter((name) => name === 'x-webhook-key')).toHaveLength(1);
    expect(headers).toHaveLength(catalogCredentialHeaders().length + 1);
  });

  it('refuse what is no header name, or longer than WAF takes', () => {
    expect(declaredHeaderProblems(['X-Webhook-Key'])).toEqual([]);
    expect(declaredHeaderProblems(['X Webhook', '', 7, `X-${'a'.repeat(63)}`])).toEqual([
      'credentialHeaders: "X Webhook" is not an HTTP header name',
      'credentialHeaders: "" is not an HTTP header name',
      'credentialHeaders: 7 is not an HTTP header name',
      `credentialHeaders: 'X-${'a'.repeat(63)}' is longer than the 64 characters WAF takes for a header name`,
    ]);
    expect(resolveCredentialHeaders(['X Webhook']).problems).toHaveLength(1);
    expect(resolveCredentialHeaders(undefined)).toEqual({
      headers: catalogCredentialHeaders(),
      problems: [],
    });
  });
});

describe("the CredentialHeaders output's value", () => {
  it('reads back as the list it was written from', () => {
    const headers = deploymentCredentialHeaders(['X-Webhook-Key']);
    expect(parseCredentialHeaders(headers.join(','))).toEqual(headers);
    expect(parseCredentialHeaders(['X-Webhook-Key', ' Authorization '])).toEqual([
      'authorization',
      'x-webhook-key',
    ]);
  });

  it('is no list when it names something that is no header', () => {
    expect(parseCredentialHeaders('authorization,not a header')).toBeUndefined();
    expect(parseCredentialHeaders(undefined)).toBeUndefined();
    expect(parseCredentialHeaders({ header: 'x' })).toBeUndefined();
  });
});
