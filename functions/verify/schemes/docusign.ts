import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the docusign scheme is written. */
export const docusign: Scheme = {
  name: 'docusign',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'docusign is not implemented yet'),
};
