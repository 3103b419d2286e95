import { timestampedHmacSigner } from '../timestamped-hmac.sign.ts';
import { muxShape } from './mux.ts';

export const signer = timestampedHmacSigner('mux', muxShape);
