import { timestampedHmacSigner } from '../timestamped-hmac.sign.ts';
import { workosShape } from './workos.ts';

export const signer = timestampedHmacSigner('workos', workosShape);
