/**
 * Box webhooks v2: the key signs as the app's primary key, `BOX-SIGNATURE-PRIMARY` being the
 * base64 HMAC-SHA256 of the body then the timestamp, written in whole seconds with an offset as
 * Box writes it (`2016-07-11T10:10:33-07:00`, here always `+00:00`).
 */
import { type Signer, secretOf } from '../scheme.sign.ts';
import { hmac } from '../signatures.ts';
import { boxShape } from './box.ts';

const [primary] = boxShape.signatureHeaders;

export const signer: Signer = {
  scheme: 'box',
  signsWith: 'secret',
  sign({ url, body, key, nowMs }) {
    const timestamp = `${new Date(nowMs).toISOString().slice(0, 19)}+00:00`;
    const digest = hmac('sha256', 'base64', secretOf('box', key), body, timestamp);
    return {
      url,
      body,
      headers: {
        [primary]: digest,
        [boxShape.timestampHeader]: timestamp,
        ...Object.fromEntries(boxShape.fixed),
      },
    };
  },
};
