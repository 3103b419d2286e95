import { versionedHmacSigner } from '../timestamped-hmac.sign.ts';
import { zoomShape } from './zoom.ts';

export const signer = versionedHmacSigner('zoom', zoomShape);
