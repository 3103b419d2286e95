import { timestampedHmacSigner } from '../timestamped-hmac.sign.ts';
import { knockShape } from './knock.ts';

export const signer = timestampedHmacSigner('knock', knockShape);
