import { matchPrefixedHmac } from '../hmac-header.ts';
import { booleanOption, optionParser } from '../options.ts';
import { accept, reject, type Scheme } from '../scheme.ts';
import type { HmacAlgorithm } from '../signatures.ts';

export interface GithubOptions {
  /**
   * Accept the legacy `X-Hub-Signature: sha1=…` when no SHA-256 signature is sent.
   * @default false
   */
  readonly allowSha1: boolean;
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the body. GitHub still sends
 * the SHA-1 `X-Hub-Signature` for old integrations, but SHA-1 is only accepted when asked for.
 */
export const github: Scheme<GithubOptions> = {
  name: 'github',
  summary: 'GitHub webhooks (HMAC-SHA256 of the body; SHA-1 only when enabled)',
  docs: 'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries',
  headers: ['X-Hub-Signature-256', 'X-Hub-Signature', 'X-GitHub-Delivery', 'X-GitHub-Event'],
  keyKind: 'secret',
  parseOptions: optionParser<GithubOptions>({ allowSha1: booleanOption(false) }),
  verify({ headers, body, keys, options }) {
    const sha256 = headers.get('x-hub-signature-256');
    const sha1 = headers.get('x-hub-signature');
    let algorithm: HmacAlgorithm = 'sha256';
    let name = 'x-hub-signature-256';
    let header = sha256;
    if (header === undefined) {
      if (sha1 === undefined) return reject('missing_header', `${name} header is missing`);
      if (!options.allowSha1) {
        return reject(
          'unsupported_version',
          'only a sha1 signature was sent and sha1 is not enabled',
        );
      }
      algorithm = 'sha1';
      name = 'x-hub-signature';
      header = sha1;
    }
    const format = { algorithm, prefix: `${algorithm}=`, encoding: 'hex' } as const;
    const match = matchPrefixedHmac(name, header, format, keys, [body]);
    if (match.rejection) return match.rejection;
    return accept(match.keyIndex, {
      deliveryId: headers.get('x-github-delivery'),
      eventType: headers.get('x-github-event'),
    });
  },
};
