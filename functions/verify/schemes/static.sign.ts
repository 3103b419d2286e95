/**
 * Static credentials sign nothing: the signer sends the credential these senders send, so a
 * test delivery checks the credential and the route, nothing more.
 */
import { SigningKeyError } from '../errors.sign.ts';
import { type Signer, secretOf } from '../scheme.sign.ts';
import { type StaticOptions, staticCredential } from './static.ts';

export const signer: Signer<StaticOptions> = {
  scheme: 'static',
  signsWith: 'secret',
  sign({ url, body, key, options }) {
    const credential = secretOf('static', key);
    // RFC 7617: the user-id cannot contain a colon, so a key without one is no user:password.
    if (options.mode === 'basic' && !credential.includes(':')) {
      throw new SigningKeyError('static', "in basic mode needs the key as 'user:password'");
    }
    return { url, body, headers: { [options.header]: staticCredential(options.mode, credential) } };
  },
};
