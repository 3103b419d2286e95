import { timestampedHmacSigner } from '../timestamped-hmac.sign.ts';
import { paddleShape } from './paddle.ts';

export const signer = timestampedHmacSigner('paddle', paddleShape);
