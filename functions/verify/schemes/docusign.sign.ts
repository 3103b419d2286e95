import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { docusignShape } from './docusign.ts';

export const signer = bodyHmacSigner('docusign', docusignShape);
