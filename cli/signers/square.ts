/**
 * Square: `x-square-hmacsha256-signature`, base64 HMAC-SHA256 of the notification URL followed
 * by the body. The URL is the provider's `notificationUrl` option where set (the receiver
 * checks against it), else the URL the delivery is sent to.
 */

import type { SquareOptions } from '../../functions/verify/schemes/square.ts';
import { hmac } from '../../functions/verify/signatures.ts';
import { type Signer, secretOf } from './signer.ts';

export const squareSigner: Signer<SquareOptions> = {
  scheme: 'square',
  signsWith: 'secret',
  sign({ url, body, key, options }) {
    const signed = options.notificationUrl ?? url;
    return {
      url,
      body,
      headers: {
        'x-square-hmacsha256-signature': hmac(
          'sha256',
          'base64',
          secretOf('square', key),
          signed,
          body,
        ),
      },
    };
  },
};
