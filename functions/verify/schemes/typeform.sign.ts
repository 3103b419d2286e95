import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { typeformShape } from './typeform.ts';

export const signer = bodyHmacSigner('typeform', typeformShape);
