import { versionedHmacSigner } from '../timestamped-hmac.sign.ts';
import { slackShape } from './slack.ts';

export const signer = versionedHmacSigner('slack', slackShape);
