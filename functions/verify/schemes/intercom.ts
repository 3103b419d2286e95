import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the intercom scheme is written. */
export const intercom: Scheme = {
  name: 'intercom',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'intercom is not implemented yet'),
};
