import { timestampedHmacSigner } from '../timestamped-hmac.sign.ts';
import { stripeShape } from './stripe.ts';

export const signer = timestampedHmacSigner('stripe', stripeShape);
