import { timestampedHmacSigner } from '../timestamped-hmac.sign.ts';
import { buildkiteShape } from './buildkite.ts';

export const signer = timestampedHmacSigner('buildkite', buildkiteShape);
