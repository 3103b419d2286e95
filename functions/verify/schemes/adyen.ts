import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the adyen scheme is written. */
export const adyen: Scheme = {
  name: 'adyen',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'adyen is not implemented yet'),
};
