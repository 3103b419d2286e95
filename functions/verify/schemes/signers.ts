/**
 * The signer registry, derived from the scheme registry (index.ts): each scheme's signer is the
 * `signer` that `<name>.sign.ts` exports beside its verifier, found by the scheme's name, so a
 * new scheme adds no line here. Nothing the ingest Lambda runs imports this file, and
 * index.ts imports no signer: the Lambda's bundle holds none (test/architecture.test.ts).
 */

import { MissingSignerError } from '../errors.sign.ts';
import { UnknownSchemeError } from '../errors.ts';
import type { Signer } from '../scheme.sign.ts';
import { type SchemeName, schemes } from './index.ts';

/**
 * The signer of a scheme, loaded on first use (a bundle keeps each `*.sign.ts` here in a chunk
 * of its own). MissingSignerError when the scheme has none.
 *
 * @example
 * const signed = (await signerFor('stripe')).sign({ url, method: 'POST', body, … });
 */
export async function signerFor(scheme: SchemeName): Promise<Signer> {
  // Checked before it names a file: only a registered scheme's name reaches the import.
  if (!Object.hasOwn(schemes, scheme)) throw new UnknownSchemeError(scheme);
  let signer: Signer | undefined;
  try {
    ({ signer } = (await import(`./${scheme}.sign.ts`)) as { readonly signer?: Signer });
  } catch (error) {
    throw new MissingSignerError(scheme, { cause: error });
  }
  if (signer?.scheme !== scheme) throw new MissingSignerError(scheme);
  return signer;
}

/** Every scheme's signer, by scheme name. */
export async function loadSigners(): Promise<{ readonly [Name in SchemeName]: Signer }> {
  const names = Object.keys(schemes) as SchemeName[];
  const loaded = await Promise.all(names.map(signerFor));
  return Object.fromEntries(names.map((name, index) => [name, loaded[index]])) as {
    readonly [Name in SchemeName]: Signer;
  };
}
