import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the mailgun scheme is written. */
export const mailgun: Scheme = {
  name: 'mailgun',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'mailgun is not implemented yet'),
};
