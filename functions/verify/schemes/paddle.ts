import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the paddle scheme is written. */
export const paddle: Scheme = {
  name: 'paddle',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'paddle is not implemented yet'),
};
