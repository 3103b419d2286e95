import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the static scheme is written. */
export const staticCredentials: Scheme = {
  name: 'static',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'static is not implemented yet'),
};
