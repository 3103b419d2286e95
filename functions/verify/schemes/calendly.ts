import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the calendly scheme is written. */
export const calendly: Scheme = {
  name: 'calendly',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'calendly is not implemented yet'),
};
