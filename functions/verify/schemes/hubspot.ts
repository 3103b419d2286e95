import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the hubspot scheme is written. */
export const hubspot: Scheme = {
  name: 'hubspot',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'hubspot is not implemented yet'),
};
