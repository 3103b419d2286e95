import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the bitbucket scheme is written. */
export const bitbucket: Scheme = {
  name: 'bitbucket',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'bitbucket is not implemented yet'),
};
