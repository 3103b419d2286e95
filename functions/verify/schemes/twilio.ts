import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the twilio scheme is written. */
export const twilio: Scheme = {
  name: 'twilio',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'twilio is not implemented yet'),
};
