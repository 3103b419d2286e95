import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { pagerdutyShape } from './pagerduty.ts';

export const signer = bodyHmacSigner('pagerduty', pagerdutyShape);
