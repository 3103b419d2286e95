import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the xero scheme is written. */
export const xero: Scheme = {
  name: 'xero',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'xero is not implemented yet'),
};
