import { reject, type Scheme } from '../scheme.ts';

/** Placeholder: refuses every delivery until the jira scheme is written. */
export const jira: Scheme = {
  name: 'jira',
  summary: 'not yet implemented',
  docs: '',
  headers: [],
  keyKind: 'secret',
  verify: () => reject('unsupported_version', 'jira is not implemented yet'),
};
