import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { intercomShape } from './intercom.ts';

export const signer = bodyHmacSigner('intercom', intercomShape);
