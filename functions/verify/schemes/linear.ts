import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the linear scheme is written. */
export const linear: Scheme = {
  name: 'linear',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'linear is not implemented yet'),
};
