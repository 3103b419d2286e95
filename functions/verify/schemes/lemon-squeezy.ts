import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the lemon-squeezy scheme is written. */
export const lemonSqueezy: Scheme = {
  name: 'lemon-squeezy',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'lemon-squeezy is not implemented yet'),
};
