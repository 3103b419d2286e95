import { timestampedHmacSigner } from '../timestamped-hmac.sign.ts';
import { sanityShape } from './sanity.ts';

export const signer = timestampedHmacSigner('sanity', sanityShape);
