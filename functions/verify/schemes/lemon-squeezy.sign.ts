import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { lemonSqueezyShape } from './lemon-squeezy.ts';

export const signer = bodyHmacSigner('lemon-squeezy', lemonSqueezyShape);
