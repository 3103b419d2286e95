/**
 * What the operator types into a sender's settings for its GET handshake, printed by
 * `providers add` and `providers rotate`: Meta's verify token, derived from the secret just
 * stored exactly as the ingest path derives it (functions/verify/challenges.ts).
 */
import { metaVerifyToken } from '../functions/verify/challenges.ts';

/**
 * The line naming what to type into the sender's settings for its GET handshake, when it needs
 * one: Meta's verify token, derived from the secret just added (functions/verify/challenges.ts)
 * exactly as the ingest path derives it. The secret itself is never printed.
 */
export function handshakeTokenLine(
  schemeName: string,
  options: Readonly<Record<string, string>>,
  key: { readonly kind: string; readonly value: string },
): string | undefined {
  if (schemeName !== 'hmac' || options.challenge !== 'meta' || key.kind !== 'secret') {
    return undefined;
  }
  return `Meta verify token (type it into Verify Token in the app's webhook settings): ${metaVerifyToken(key.value)}\n`;
}
