import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the square scheme is written. */
export const square: Scheme = {
  name: 'square',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'square is not implemented yet'),
};
