import { bodyHmacSigner } from '../hmac-header.sign.ts';
import type { Signer } from '../scheme.sign.ts';
import { type SquareOptions, squareShape, squareSignedParts } from './square.ts';

/** Signs SHA-256 only; `notificationUrl`, where set, is the URL signed, as the receiver checks. */
export const signer: Signer<SquareOptions> = bodyHmacSigner<SquareOptions>(
  'square',
  squareShape,
  ({ url, body, options }) => squareSignedParts(url, body, options),
);
