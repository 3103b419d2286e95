/**
 * Padded standard base64 (RFC 4648 §4), read only in the one canonical spelling of its bytes.
 * Node's decoder skips stray characters and ignores the spare low bits of the last character,
 * so several texts would decode to one signature or key; reading only the text that round-trips
 * keeps every changed character a refusal. Signatures and keys alike (SendGrid, Standard
 * Webhooks, Telnyx, and the CLI reading keys as the schemes do).
 */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The bytes `text` spells, or `undefined` when it is empty or not their canonical spelling. */
export function canonicalBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
