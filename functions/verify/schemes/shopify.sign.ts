import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { shopifyShape } from './shopify.ts';

export const signer = bodyHmacSigner('shopify', shopifyShape);
