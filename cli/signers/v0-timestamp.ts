/**
 * Slack and Zoom: `v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">` beside a header of Unix
 * seconds. Only the header names differ.
 */

import type { SchemeName } from '../../functions/verify/schemes/index.ts';
import { hmac } from '../../functions/verify/signatures.ts';
import { type Signer, secretOf } from './signer.ts';

function v0TimestampSigner(scheme: SchemeName, signatureHeader: string, timestampHeader: string) {
  const signer: Signer = {
    scheme,
    signsWith: 'secret',
    sign({ url, body, key, nowMs }) {
      const timestamp = String(Math.floor(nowMs / 1000));
      const digest = hmac('sha256', 'hex', secretOf(scheme, key), `v0:${timestamp}:`, body);
      return {
        url,
        body,
        headers: { [signatureHeader]: `v0=${digest}`, [timestampHeader]: timestamp },
      };
    },
  };
  return signer;
}

export const slackSigner = v0TimestampSigner(
  'slack',
  'X-Slack-Signature',
  'X-Slack-Request-Timestamp',
);

export const zoomSigner = v0TimestampSigner('zoom', 'x-zm-signature', 'x-zm-request-timestamp');
