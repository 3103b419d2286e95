import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the discord scheme is written. */
export const discord: Scheme = {
  name: 'discord',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'discord is not implemented yet'),
};
