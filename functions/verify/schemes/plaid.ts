import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the plaid scheme is written. */
export const plaid: Scheme = {
  name: 'plaid',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'plaid is not implemented yet'),
};
