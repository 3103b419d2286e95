import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the twitch scheme is written. */
export const twitch: Scheme = {
  name: 'twitch',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'twitch is not implemented yet'),
};
