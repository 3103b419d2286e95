import { timestampedHmacSigner } from '../timestamped-hmac.sign.ts';
import { personaShape } from './persona.ts';

export const signer = timestampedHmacSigner('persona', personaShape);
