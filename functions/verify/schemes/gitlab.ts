import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the gitlab scheme is written. */
export const gitlab: Scheme = {
  name: 'gitlab',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'gitlab is not implemented yet'),
};
