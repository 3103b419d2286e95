/** A scheme named on the command line (`--scheme`, or a provider's), found or refused as bad usage. */
import { UnknownSchemeError } from '../functions/verify/errors.ts';
import type { Scheme } from '../functions/verify/scheme.ts';
import { getScheme } from '../functions/verify/verify.ts';
import { UsageError } from './io.ts';

/** The scheme called `name`; UsageError pointing at `webhooks schemes` when there is none. */
export function lookUpScheme(name: string): Scheme<unknown> {
  try {
    return getScheme(name);
  } catch (error) {
    if (!(error instanceof UnknownSchemeError)) throw error;
    throw new UsageError(`unknown scheme '${name}' (\`webhooks schemes\` lists them)`);
  }
}
