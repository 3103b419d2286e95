/**
 * What the WAF keeps of a request's credentials (issue 16, point 5), read from synthesized
 * templates: every header a scheme of the catalog reads a credential from, every header a named
 * provider configures and every header the construct declares is redacted in the logging
 * configuration and protected by the web ACL's data protection, which also covers sampled
 * requests; past WAF's limit of 100 named headers every header is protected. No API access log
 * names a header at all.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { isCredentialHeader } from '../../functions/config/headers.ts';
import { schemes } from '../../functions/verify/schemes/index.ts';
import { credentialHeadersOf, getScheme } from '../../functions/verify/verify.ts';
import { type AccessLogDetail, accessLogFields } from '../../infra/access-log-format.ts';
import { catalogCredentialHeaders } from '../../infra/credential-headers.ts';
import { DeploymentSettingsError } from '../../infra/settings.ts';
import { maxProtectedHeaders } from '../../infra/waf.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import type { WebhookIngestionProps } from '../../infra/webhook-ingestion-props.ts';
import { namedProviders } from '../../ops/catalog/catalog.ts';
import { cfnLint, cleanRun, hasCfnLint } from './cfn-lint.ts';

const templates = new Map<string, Template>();

/** The construct alone in a stack, synthesized once per props. */
function synthesized(props: WebhookIngestionProps): Template {
  const key = JSON.stringify(props);
  const cached = templates.get(key);
  if (cached !== undefined) return cached;
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'waf-redaction-')) });
  const stack = new Stack(app, 'waf-redaction-test');
  new WebhookIngestion(stack, 'WebhookIngestion', props);
  const template = Template.fromStack(stack);
  templates.set(key, template);
  return template;
}

interface FieldToMatch {
  readonly SingleHeader?: { readonly Name: string };
}
interface DataProtect {
  readonly Field: { readonly FieldType: string; readonly FieldKeys?: readonly string[] };
  readonly Action: string;
  readonly ExcludeRuleMatchDetails?: boolean;
  readonly ExcludeRateBasedDetails?: boolean;
}

/** The header names the WAF logging configuration redacts, as synthesized. */
function redactedHeaders(template: Template): string[] {
  const [logging] = Object.values(template.findResources('AWS::WAFv2::LoggingConfiguration'));
  const fields = (logging?.Properties?.RedactedFields ?? []) as FieldToMatch[];
  return fields.flatMap((field) => (field.SingleHeader ? [field.SingleHeader.Name] : []));
}

/** The web ACL's data protections, as synthesized. */
function dataProtections(template: Template): DataProtect[] {
  const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
  return (acl?.Properties?.DataProtectionConfig?.DataProtections ?? []) as DataProtect[];
}

/** The headers a scheme reads a credential from: its own, and those its named providers set. */
function credentialHeadersOfScheme(name: string): string[] {
  const scheme = getScheme(name);
  const configured = namedProviders
    .filter((provider) => provider.scheme === name)
    .flatMap((provider) =>
      credentialHeadersOf(name, scheme.parseOptions?.(provider.options ?? {}) ?? {}),
    );
  return [...scheme.headers.filter(isCredentialHeader), ...configured].map((header) =>
    header.toLowerCase(),
  );
}

/** Mailgun signs form fields of the body: its signature and token never travel in a header. */
const signedInTheBody = ['mailgun'];

const withWaf: WebhookIngestionProps = { waf: true };
const declared: WebhookIngestionProps = { waf: true, credentialHeaders: ['X-Webhook-Key'] };
const declaredWithoutWaf: WebhookIngestionProps = { credentialHeaders: ['X-Webhook-Key'] };
const tooMany: WebhookIngestionProps = {
  waf: true,
  credentialHeaders: Array.from(
    { length: maxProtectedHeaders - catalogCredentialHeaders().length + 1 },
    (_, index) => `X-Tenant-${index}-Key`,
  ),
};

// A synthesis takes seconds: each configuration once, up front.
beforeAll(() => {
  for (const props of [withWaf, declared, declaredWithoutWaf, tooMany]) synthesized(props);
}, 180_000);

describe('the WAF logging configuration', () => {
  it.each(Object.keys(schemes))(
    'redacts every header scheme %s reads a credential from',
    (name) => {
      const headers = credentialHeadersOfScheme(name);
      expect(headers.length > 0).toBe(!signedInTheBody.includes(name));
      expect(redactedHeaders(synthesized(withWaf))).toEqual(expect.arrayContaining(headers));
    },
  );

  it("redacts GitLab's plaintext token, not only Authorization", () => {
    expect(redactedHeaders(synthesized(withWaf))).toEqual(
      expect.arrayContaining(['authorization', 'x-gitlab-token']),
    );
  });

  it('redacts a header declared on the construct, named in lower case', () => {
    const redacted = redactedHeaders(synthesized(declared));
    expect(redacted).toContain('x-webhook-key');
    expect(redacted).toEqual(catalogCredentialHeaders().concat('x-webhook-key').sort());
  });

  it('protects the same headers wherever the web ACL keeps request data: logs, sampled requests and match details', () => {
    const template = synthesized(declared);
    expect(dataProtections(template)).toEqual([
      {
        Field: { FieldType: 'SINGLE_HEADER', FieldKeys: redactedHeaders(template) },
        Action: 'SUBSTITUTION',
        ExcludeRuleMatchDetails: false,
        ExcludeRateBasedDetails: false,
      },
    ]);
  });

  it('protects every header once the credential headers outnumber what WAF names, keeping Authorization redacted', () => {
    const template = synthesized(tooMany);
    expect(redactedHeaders(template)).toEqual(['authorization']);
    const [protection] = dataProtections(template);
    expect(protection?.Field).toEqual({ FieldType: 'SINGLE_HEADER' });
    expect(protection?.Action).toBe('SUBSTITUTION');
  });

  it.runIf(hasCfnLint)(
    'synthesizes templates cfn-lint accepts, with a declared header and past the limit',
    () => {
      const lint = cfnLint({
        'waf-declared-header': synthesized(declared),
        'waf-every-header': synthesized(tooMany),
      });
      expect(lint.output).not.toMatch(/WAFv2/);
      expect(lint.output).toContain(cleanRun(2));
      expect(lint.status).toBe(0);
    },
    120_000,
  );

  it('refuses a declared name that is no header, naming it', () => {
    const props = { waf: true, credentialHeaders: ['X Webhook Key'] };
    expect(() => synthesized(props)).toThrow(DeploymentSettingsError);
    expect(() => synthesized(props)).toThrow(
      /credentialHeaders: "X Webhook Key" is not an HTTP header name/,
    );
  });
});

describe('the CredentialHeaders output', () => {
  it("lists the catalog's headers and the declared ones, also without a WAF", () => {
    for (const props of [declared, declaredWithoutWaf]) {
      const output = synthesized(props).findOutputs('CredentialHeaders').CredentialHeaders;
      expect(String(output?.Value).split(',')).toEqual(
        catalogCredentialHeaders().concat('x-webhook-key').sort(),
      );
    }
  });
});

describe('the API access log line', () => {
  const choices = (['rest', 'http'] as const).flatMap((front) =>
    (['essential', 'detailed'] as AccessLogDetail[]).flatMap((detail) =>
      [false, true].map((extras) => ({ front, detail, waf: extras, tracing: extras })),
    ),
  );

  it.each(choices)('names no header, credential or not: %o', (choice) => {
    const values = Object.values(accessLogFields(choice));
    for (const value of values) {
      expect(value).toMatch(/^\$context\.[A-Za-z.]+$/);
      expect(value).not.toMatch(/header|input|requestOverride|responseOverride|authorizer/i);
    }
    const line = values.join(' ').toLowerCase();
    for (const header of catalogCredentialHeaders()) expect(line).not.toContain(header);
  });
});
