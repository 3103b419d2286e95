import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the workos scheme is written. */
export const workos: Scheme = {
  name: 'workos',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'workos is not implemented yet'),
};
