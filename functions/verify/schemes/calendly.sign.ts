import { timestampedHmacSigner } from '../timestamped-hmac.sign.ts';
import { calendlyShape } from './calendly.ts';

export const signer = timestampedHmacSigner('calendly', calendlyShape);
