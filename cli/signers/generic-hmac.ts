/**
 * The configurable `hmac` scheme: `<prefix><digest>` in the configured header, over the
 * provider's template with `{body}`, `{timestamp}` (now, in the configured unit, also sent in
 * `timestampHeader`) and `{id}` (the delivery id, also sent in `idHeader`) filled in.
 */

import type { HmacOptions } from '../../functions/verify/schemes/hmac.ts';
import { hmac } from '../../functions/verify/signatures.ts';
import { type Signer, secretOf } from './signer.ts';

const placeholder = /\{(body|timestamp|id)\}/g;

export const genericHmacSigner: Signer<HmacOptions> = {
  scheme: 'hmac',
  signsWith: 'secret',
  sign({ url, body, key, options, nowMs, deliveryId }) {
    const timestamp = String(
      options.timestampUnit === 'milliseconds' ? Math.floor(nowMs) : Math.floor(nowMs / 1000),
    );
    const values = { body, timestamp, id: deliveryId };
    const parts: (string | Uint8Array)[] = [];
    let last = 0;
    for (const found of options.template.matchAll(placeholder)) {
      parts.push(options.template.slice(last, found.index));
      parts.push(values[found[1] as keyof typeof values]);
      last = found.index + found[0].length;
    }
    parts.push(options.template.slice(last));
    const digest = hmac(options.algorithm, options.encoding, secretOf('hmac', key), ...parts);
    const headers: Record<string, string> = { [options.header]: `${options.prefix}${digest}` };
    if (options.timestampHeader !== undefined) headers[options.timestampHeader] = timestamp;
    if (options.idHeader !== undefined) headers[options.idHeader] = deliveryId;
    return { url, body, headers };
  },
};
