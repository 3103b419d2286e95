import { booleanOption, optionParser } from '../options.ts';
import { accept, reject, type Scheme } from '../scheme.ts';
import { findMatchingKey, type HmacAlgorithm, hmac } from '../signatures.ts';

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
    const sha256 = headers['x-hub-signature-256'];
    const sha1 = headers['x-hub-signature'];
    let algorithm: HmacAlgorithm = 'sha256';
    let header = sha256;
    if (sha256 === undefined) {
      if (sha1 === undefined)
        return reject('missing_header', 'x-hub-signature-256 header is missing');
      if (!options.allowSha1) {
        return reject(
          'unsupported_version',
          'only a sha1 signature was sent and sha1 is not enabled',
        );
      }
      algorithm = 'sha1';
      header = sha1;
    }
    const prefix = `${algorithm}=`;
    if (!header?.startsWith(prefix)) {
      return reject('unsupported_version', `signature does not start with ${prefix}`);
    }
    const keyIndex = findMatchingKey(keys, [header.slice(prefix.length)], (key) =>
      hmac(algorithm, key.value, body).toString('hex'),
    );
    if (keyIndex < 0) return reject('signature_mismatch', `${algorithm} signature matches no key`);
    return accept(keyIndex, {
      deliveryId: headers['x-github-delivery'],
      eventType: headers['x-github-event'],
    });
  },
};
