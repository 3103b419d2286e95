/**
 * Senders that sign nothing and send a credential instead: GitLab's `X-Gitlab-Token` (the
 * webhook's secret token itself) and the `static` scheme (HTTP Basic, or a fixed header
 * value). Neither the body nor the time is authenticated; the signers send what these senders
 * send, so a test delivery checks the credential and the route, nothing more.
 */
import type { StaticOptions } from '../../functions/verify/schemes/static.ts';
import { SigningKeyError } from './errors.ts';
import { presentHeaders, type Signer, secretOf } from './signer.ts';

export const gitlabSigner: Signer = {
  scheme: 'gitlab',
  signsWith: 'secret',
  eventTypeHeader: 'X-Gitlab-Event',
  sign({ url, body, key, deliveryId, eventType }) {
    return {
      url,
      body,
      headers: presentHeaders([
        ['X-Gitlab-Token', secretOf('gitlab', key)],
        ['Idempotency-Key', deliveryId],
        ['X-Gitlab-Event', eventType],
      ]),
    };
  },
};

/** RFC 7617: `Basic` and base64 of `user:password`, the key's text. */
export const staticSigner: Signer<StaticOptions> = {
  scheme: 'static',
  signsWith: 'secret',
  sign({ url, body, key, options }) {
    const credential = secretOf('static', key);
    if (options.mode === 'header') return { url, body, headers: { [options.header]: credential } };
    if (!credential.includes(':')) {
      throw new SigningKeyError('static', "in basic mode needs the key as 'user:password'");
    }
    const basic = `Basic ${Buffer.from(credential, 'utf8').toString('base64')}`;
    return { url, body, headers: { [options.header]: basic } };
  },
};
