import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';
import { findMatchingKey, hmac } from '../signatures.ts';
import { checkTimestamp, requireUnixTimestampHeader } from '../timestamp.ts';
import { type VersionedHmacShape, versionedHmacBase } from '../timestamped-hmac.ts';

/**
 * Slack's signing shape, read by the verifier below and written by slack.sign.ts. `v0` is the
 * only version Slack signs with.
 */
export const slackShape: VersionedHmacShape = {
  signatureHeader: 'X-Slack-Signature',
  timestampHeader: 'X-Slack-Request-Timestamp',
  version: 'v0',
};

const SIGNATURE = slackShape.signatureHeader.toLowerCase();
const TIMESTAMP = slackShape.timestampHeader.toLowerCase();
const VERSION = slackShape.version;

/**
 * Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 keyed with the app's signing secret over
 * `v0:<X-Slack-Request-Timestamp>:<raw body>`, the timestamp exactly as sent. One signature
 * per request; while a secret is being regenerated, configure both and either may match.
 * Slash commands and interactivity post form bodies, the Events API posts JSON; both are
 * signed as raw bytes, so nothing is parsed here.
 */
export const slack: Scheme = {
  name: 'slack',
  summary: 'Slack signed requests (v0, HMAC-SHA256 over version, timestamp and body)',
  docs: 'https://api.slack.com/authentication/verifying-requests-from-slack',
  headers: [slackShape.signatureHeader, slackShape.timestampHeader],
  keyKind: 'secret',
  // "If the X-Slack-Request-Timestamp is more than five minutes from local time, it could be
  // a replay attack" (the docs page above); @slack/bolt's verifier uses the same 5 minutes.
  defaultToleranceSeconds: 300,
  // Events API bodies carry the event id and type; form bodies (commands) carry neither.
  eventFields: { id: 'event_id', type: 'event.type' },
  verify({ headers, body, keys, nowMs, toleranceSeconds }) {
    const signature = requireHeader(headers, SIGNATURE);
    if (signature.rejection) return signature.rejection;
    const signed = requireUnixTimestampHeader(headers, TIMESTAMP);
    if (signed.rejection) return signed.rejection;
    const { text: timestampText, seconds: timestamp } = signed;
    const prefix = `${VERSION}=`;
    if (!signature.value.startsWith(prefix)) {
      // `v1=…` would be a version Slack has not published; anything else is garbage.
      return /^v\d+=/.test(signature.value)
        ? reject('unsupported_version', `${SIGNATURE} is not a ${VERSION} signature`)
        : reject('malformed_header', `${SIGNATURE} has no version prefix`);
    }
    const keyIndex = findMatchingKey(keys, [signature.value.slice(prefix.length)], (key) =>
      hmac('sha256', 'hex', key.value, versionedHmacBase(slackShape, timestampText), body),
    );
    if (keyIndex < 0) return reject('signature_mismatch', `${SIGNATURE} matches no key`);
    return checkTimestamp(timestamp, nowMs, toleranceSeconds) ?? accept(keyIndex, { timestamp });
  },
};
