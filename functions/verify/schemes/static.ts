import { bytesEqual } from '../compare.ts';
import { SchemeOptionsError } from '../errors.ts';
import { headerNameOption, type OptionField, optionParser } from '../options.ts';
import { accept, reject, requireHeader, type Scheme } from '../scheme.ts';

const MODES = ['basic', 'header'] as const;
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface StaticOptions {
  /**
   * `basic`: the header is `Basic base64(user:password)` and each key's value is
   * `user:password`. `header`: the header's whole value equals a key's value. Required,
   * because it decides how key values are read.
   */
  readonly mode: 'basic' | 'header';
  /** The header carrying the credential. @default 'Authorization' */
  readonly header: string;
}

function modeOption(): OptionField<'basic' | 'header'> {
  return (text, name) => {
    if (text === 'basic' || text === 'header') return text;
    throw new SchemeOptionsError(`option '${name}' is required: one of ${MODES.join(', ')}`);
  };
}

/**
 * The header value a key stands for: in `basic` mode RFC 7617's `Basic ` and the base64 of the
 * key's `user:password` text, in `header` mode the key's text itself. Compared by the verifier
 * below, sent by static.sign.ts.
 */
export const staticCredential = (mode: StaticOptions['mode'], key: string): string =>
  mode === 'basic' ? `Basic ${Buffer.from(key, 'utf8').toString('base64')}` : key;

/**
 * Static credentials for senders that sign nothing (Postmark's basic auth, Okta event hooks'
 * authorization header): a constant-time equality of one header with a configured value.
 * Neither the body nor the time is authenticated, so anyone who sees one request can forge
 * others; prefer a signing scheme whenever the sender offers one.
 *
 * In `basic` mode the expected header is built from the key, `Basic ` included, and compared
 * whole; the auth-scheme word is matched as senders write it, `Basic`, not case-folded.
 */
export const staticCredentials: Scheme<StaticOptions> = {
  name: 'static',
  summary: 'Static credentials: HTTP Basic or a fixed header value (the body is not signed)',
  docs: 'https://www.rfc-editor.org/rfc/rfc7617',
  headers: ['Authorization'],
  credentialHeaders: (options) => [options.header],
  keyKind: 'secret',
  // Nothing is signed: the credential proves the sender knows it, not what it sent.
  signedFields: () => ({ body: false }),
  parseOptions: optionParser<StaticOptions>({
    mode: modeOption(),
    header: headerNameOption('Authorization'),
  }),
  verify({ headers, keys, options }) {
    if (!(MODES as readonly string[]).includes(options.mode)) {
      return reject('invalid_options', `option 'mode' must be one of ${MODES.join(', ')}`);
    }
    if (typeof options.header !== 'string' || !FIELD_NAME.test(options.header)) {
      return reject('invalid_options', "option 'header' must be an HTTP header name");
    }
    const name = options.header.toLowerCase();
    const header = requireHeader(headers, name);
    if (header.rejection) return header.rejection;
    const received = Buffer.from(header.value, 'utf8');

    if (options.mode === 'basic') {
      if (!header.value.startsWith('Basic ')) {
        return reject('malformed_header', `${name} does not hold Basic credentials`);
      }
      // RFC 7617: the user-id cannot contain a colon, so a key without one is no user:password.
      const unusable = keys.findIndex((key) => !key.value.includes(':'));
      if (unusable >= 0) return reject('invalid_key', `key #${unusable} is not user:password`);
    }
    const expectedFor = (value: string) =>
      Buffer.from(staticCredential(options.mode, value), 'utf8');
    const keyIndex = keys.findIndex((key) => bytesEqual(expectedFor(key.value), received));
    if (keyIndex < 0) return reject('signature_mismatch', `${name} matches no key`);
    return accept(keyIndex);
  },
};
