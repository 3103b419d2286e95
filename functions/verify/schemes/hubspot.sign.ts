/**
 * HubSpot v3, signed at the clock's time in Unix milliseconds. v1 and v2 carry no timestamp and
 * the scheme refuses them unless enabled, so the signer writes v3 only.
 */
import { type Signer, secretOf } from '../scheme.sign.ts';
import { hmac } from '../signatures.ts';
import { type HubspotOptions, hubspotV3Headers, hubspotV3SignedParts } from './hubspot.ts';

export const signer: Signer<HubspotOptions> = {
  scheme: 'hubspot',
  signsWith: 'secret',
  sign({ url, method, body, key, nowMs }) {
    const timestamp = String(Math.floor(nowMs));
    const signed = hubspotV3SignedParts(method, url, body, timestamp);
    return {
      url,
      body,
      headers: {
        [hubspotV3Headers.signature]: hmac('sha256', 'base64', secretOf('hubspot', key), ...signed),
        [hubspotV3Headers.timestamp]: timestamp,
      },
    };
  },
};
