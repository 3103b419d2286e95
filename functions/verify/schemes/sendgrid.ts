import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the sendgrid scheme is written. */
export const sendgrid: Scheme = {
  name: 'sendgrid',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'sendgrid is not implemented yet'),
};
