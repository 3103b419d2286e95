import { type Signer, secretOf } from '../scheme.sign.ts';
import { recurlyHeader, recurlySignature } from './recurly.ts';

/** Recurly: one signature, with the endpoint's secret key, at the clock's millisecond. */
export const signer: Signer = {
  scheme: 'recurly',
  signsWith: 'secret',
  sign({ url, body, key, nowMs }) {
    const timestamp = String(Math.floor(nowMs));
    const signature = recurlySignature(secretOf('recurly', key), timestamp, body);
    return { url, body, headers: { [recurlyHeader]: `${timestamp},${signature}` } };
  },
};
