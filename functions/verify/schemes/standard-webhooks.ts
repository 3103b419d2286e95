import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the standard-webhooks scheme is written. */
export const standardWebhooks: Scheme = {
  name: 'standard-webhooks',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'standard-webhooks is not implemented yet'),
};
