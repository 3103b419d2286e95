/**
 * The configurable `hmac` scheme: `<prefix><digest>` in the configured header, over the
 * template with `{body}`, `{timestamp}` (now, in the configured unit, also sent in
 * `timestampHeader`) and `{id}` (the delivery id, also sent in `idHeader`) filled in.
 */
import { SchemeOptionsError } from '../errors.ts';
import { type Signer, secretOf } from '../scheme.sign.ts';
import { hmac } from '../signatures.ts';
import { compile, type HmacOptions, signedParts } from './hmac.ts';

export const signer: Signer<HmacOptions> = {
  scheme: 'hmac',
  signsWith: 'secret',
  sign({ url, body, key, options, nowMs, deliveryId, eventType }) {
    const parts = compile(options);
    if (typeof parts === 'string') throw new SchemeOptionsError(parts);
    const timestamp = String(
      options.timestampUnit === 'milliseconds' ? Math.floor(nowMs) : Math.floor(nowMs / 1000),
    );
    const signed = signedParts(parts, { body, timestamp, id: deliveryId });
    const digest = hmac(options.algorithm, options.encoding, secretOf('hmac', key), ...signed);
    const headers: Record<string, string> = { [options.header]: `${options.prefix}${digest}` };
    if (options.timestampHeader !== undefined) headers[options.timestampHeader] = timestamp;
    if (options.idHeader !== undefined) headers[options.idHeader] = deliveryId;
    if (options.typeHeader !== undefined && eventType !== undefined) {
      headers[options.typeHeader] = eventType;
    }
    return { url, body, headers };
  },
};
