import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { bitbucketShape } from './bitbucket.ts';

export const signer = bodyHmacSigner('bitbucket', bitbucketShape);
