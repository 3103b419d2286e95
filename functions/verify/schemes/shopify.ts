import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the shopify scheme is written. */
export const shopify: Scheme = {
  name: 'shopify',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'shopify is not implemented yet'),
};
