import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the slack scheme is written. */
export const slack: Scheme = {
  name: 'slack',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'slack is not implemented yet'),
};
