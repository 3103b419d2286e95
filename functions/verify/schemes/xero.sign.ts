import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { xeroShape } from './xero.ts';

export const signer = bodyHmacSigner('xero', xeroShape);
