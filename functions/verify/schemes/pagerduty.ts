import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the pagerduty scheme is written. */
export const pagerduty: Scheme = {
  name: 'pagerduty',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'pagerduty is not implemented yet'),
};
