/**
 * The request headers a deployment treats as carrying a credential: every header a scheme of
 * the catalog reads a signature, token or password from, and any the operator declares on the
 * construct (`credentialHeaders`) for a provider that names its own. The WAF redacts them in its
 * logs (infra/waf.ts), the stack publishes them (`CredentialHeaders`), and `webhooks providers
 * add` refuses a provider that would read a credential from any other header. No CDK here: the
 * CLI reads this file too.
 */
import { isCredentialHeader } from '../functions/config/headers.ts';
import { isHeaderName } from '../functions/verify/options.ts';
import { schemes } from '../functions/verify/schemes/index.ts';

/**
 * The headers the named providers of `webhooks providers catalog` (ops/catalog/) configure for
 * their `hmac` or `static` scheme, in lower case. A copy, because the CDK app may not read the
 * operator's catalog (.dependency-cruiser.json); test/infra/credential-headers.test.ts fails
 * when a named provider configures a header this list lacks, or when it lists one no provider
 * configures.
 */
export const namedProviderCredentialHeaders: readonly string[] = [
  'aftership-hmac-sha256',
  'ashby-signature',
  'authorization',
  'circleci-signature',
  'cko-signature',
  'dub-signature',
  'heroku-webhook-hmac-sha256',
  'pulumi-webhook-signature',
  'revolut-signature',
  'sentry-hook-signature',
  'signature',
  'webhook-signature',
  'x-alchemy-signature',
  'x-cal-signature-256',
  'x-callback-token',
  'x-cc-webhook-signature',
  'x-dropbox-signature',
  'x-forgejo-signature',
  'x-frameio-signature',
  'x-gitea-signature',
  'x-gogs-signature',
  'x-helpscout-signature',
  'x-hmac-signature',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-ld-signature',
  'x-line-signature',
  'x-nylas-signature',
  'x-pusher-signature',
  'x-razorpay-signature',
  'x-request-signature-sha-256',
  'x-sha2-signature',
  'x-signature',
  'x-spark-signature',
  'x-telegram-bot-api-secret-token',
  'x-tfe-notification-signature',
  'x-todoist-hmac-sha256',
  'x-viber-content-signature',
  'x-webflow-signature',
];

/**
 * The headers the schemes themselves name that carry a credential: those the name pattern of
 * functions/config/headers.ts catches (`Stripe-Signature`, `X-Gitlab-Token`, static's default
 * `Authorization`), which the audit record never stores either.
 */
export function schemeCredentialHeaders(): string[] {
  return sortedNames(
    Object.values(schemes).flatMap((scheme) => scheme.headers.filter(isCredentialHeader)),
  );
}

/** Every credential header the catalog derives: the schemes' and the named providers'. */
export function catalogCredentialHeaders(): string[] {
  return sortedNames([...schemeCredentialHeaders(), ...namedProviderCredentialHeaders]);
}

/**
 * The longest header name the WAF takes for a redacted or protected header (its `SingleHeader`
 * and data protection keys: 64 characters).
 */
export const maxCredentialHeaderNameLength = 64;

/** What is wrong with each declared header name: not an RFC 9110 field name, or too long. */
export function declaredHeaderProblems(declared: readonly unknown[]): string[] {
  return declared.flatMap((name) => {
    if (typeof name !== 'string' || !isHeaderName(name)) {
      return [`credentialHeaders: ${JSON.stringify(name)} is not an HTTP header name`];
    }
    if (name.length > maxCredentialHeaderNameLength) {
      return [
        `credentialHeaders: '${name}' is longer than the ${maxCredentialHeaderNameLength} characters WAF takes for a header name`,
      ];
    }
    return [];
  });
}

/** The catalog's credential headers and the declared ones, once each, in lower case, sorted. */
export function deploymentCredentialHeaders(declared: readonly string[] = []): string[] {
  return sortedNames([...catalogCredentialHeaders(), ...declared]);
}

/** The construct's `credentialHeaders` resolved: the deployment's whole list, or what is wrong. */
export function resolveCredentialHeaders(declared: readonly string[] | undefined): {
  readonly headers: string[];
  readonly problems: string[];
} {
  const given: readonly unknown[] = declared ?? [];
  if (!Array.isArray(given)) {
    return { headers: [], problems: ['credentialHeaders must be a list of header names'] };
  }
  const problems = declaredHeaderProblems(given);
  return {
    headers: deploymentCredentialHeaders(problems.length === 0 ? (given as string[]) : []),
    problems,
  };
}

/** The `CredentialHeaders` output's value: the names, comma-separated. */
export const credentialHeadersOutputValue = (headers: readonly string[]): string =>
  headers.join(',');

/** The names an output value or a stack file lists, in lower case; `undefined` when unusable. */
export function parseCredentialHeaders(value: unknown): string[] | undefined {
  const names = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(names)) return undefined;
  const trimmed = names.map((name) => (typeof name === 'string' ? name.trim() : ''));
  if (!trimmed.every((name) => name === '' || isHeaderName(name))) return undefined;
  return sortedNames(trimmed.filter((name) => name !== ''));
}

/** Header names are case-insensitive (RFC 9110 5.1): compared and listed in lower case. */
function sortedNames(names: readonly string[]): string[] {
  return [...new Set(names.map((name) => name.toLowerCase()))].sort();
}
