import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the typeform scheme is written. */
export const typeform: Scheme = {
  name: 'typeform',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'typeform is not implemented yet'),
};
