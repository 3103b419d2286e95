import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the zoom scheme is written. */
export const zoom: Scheme = {
  name: 'zoom',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'zoom is not implemented yet'),
};
