import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the hmac scheme is written. */
export const hmac: Scheme = {
  name: 'hmac',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'hmac is not implemented yet'),
};
