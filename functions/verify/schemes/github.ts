import { deliveryHeaderReader } from '../headers.ts';
import { type BodyHmacShape, matchPrefixedHmac, type PrefixedHmac } from '../hmac-header.ts';
import { booleanOption, optionParser } from '../options.ts';
import { accept, bodySigned, reject, type Scheme } from '../scheme.ts';

export interface GithubOptions {
  /**
   * Accept the legacy `X-Hub-Signature: sha1=…` when no SHA-256 signature is sent.
   * @default false
   */
  readonly allowSha1: boolean;
}

/** GitHub's signing shape, read by the verifier below and written by github.sign.ts. */
export const githubShape = {
  header: 'X-Hub-Signature-256',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  idHeaders: ['X-GitHub-Delivery'],
  eventTypeHeader: 'X-GitHub-Event',
} as const satisfies BodyHmacShape;

const SHA256_HEADER = githubShape.header.toLowerCase();
/** The legacy header, read only when enabled; no signer writes it. */
const SHA1_HEADER = 'x-hub-signature';
const SHA1_FORMAT: PrefixedHmac = { algorithm: 'sha1', prefix: 'sha1=', encoding: 'hex' };
const readDetails = deliveryHeaderReader(githubShape);

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
  eventTypeHeader: githubShape.eventTypeHeader,
  // The HMAC is of the body alone (`[body]` below): GitHub signs neither X-GitHub-Delivery nor
  // X-GitHub-Event, so a replay may carry any id or event name.
  signedFields: () => bodySigned,
  parseOptions: optionParser<GithubOptions>({ allowSha1: booleanOption(false) }),
  verify({ headers, body, keys, options }) {
    const sha256 = headers.get(SHA256_HEADER);
    const sha1 = headers.get(SHA1_HEADER);
    let format: PrefixedHmac = githubShape;
    let name = SHA256_HEADER;
    let header = sha256;
    if (header === undefined) {
      if (sha1 === undefined) return reject('missing_header', `${name} header is missing`);
      if (!options.allowSha1) {
        return reject(
          'unsupported_version',
          'only a sha1 signature was sent and sha1 is not enabled',
        );
      }
      format = SHA1_FORMAT;
      name = SHA1_HEADER;
      header = sha1;
    }
    const match = matchPrefixedHmac(name, header, format, keys, [body]);
    if (match.rejection) return match.rejection;
    return accept(match.keyIndex, readDetails(headers));
  },
};
