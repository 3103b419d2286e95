import { reject } from './scheme.ts';
import { findMatchingKey, type HmacAlgorithm, hmac } from './signatures.ts';
import type { SchemeVerdict, VerificationKey } from './types.ts';

/** How a provider writes one HMAC into a header: `<prefix><encoded digest>`. */
export interface PrefixedHmac {
  readonly algorithm: HmacAlgorithm;
  /** Text before the digest, such as GitHub's `sha256=`; may be empty. */
  readonly prefix: string;
  readonly encoding: 'hex' | 'base64';
}

/**
 * Checks a header holding one `<prefix><digest>` signature (GitHub's and Atlassian's
 * `sha256=<hex>`, Typeform's `sha256=<base64>`, Linear's bare hex) against every key.
 * `signed` is what the provider feeds the HMAC, in order; byte parts are never decoded.
 * A different prefix names another algorithm or version, so it is `unsupported_version`.
 */
export function matchPrefixedHmac(
  header: string,
  received: string,
  format: PrefixedHmac,
  keys: readonly VerificationKey[],
  signed: readonly (string | Uint8Array)[],
): { keyIndex: number; rejection?: never } | { keyIndex?: never; rejection: SchemeVerdict } {
  const { algorithm, prefix, encoding } = format;
  if (!received.startsWith(prefix)) {
    return { rejection: reject('unsupported_version', `${header} does not start with ${prefix}`) };
  }
  const keyIndex = findMatchingKey(keys, [received.slice(prefix.length)], (key) =>
    hmac(algorithm, key.value, ...signed).toString(encoding),
  );
  if (keyIndex < 0) {
    return { rejection: reject('signature_mismatch', `${header} matches no key`) };
  }
  return { keyIndex };
}
