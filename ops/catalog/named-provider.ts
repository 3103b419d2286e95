/**
 * A named provider: what `webhooks providers add ID --provider NAME` fills in (the scheme, its
 * options and tolerance) and what `webhooks providers catalog` says about it, with the proof
 * that the scheme verifies this provider's deliveries exactly as it signs them.
 */
import type { SchemeName } from '../../functions/verify/schemes/index.ts';

/** A test of this repository, by file and exact name: the proof that it ran is its passing. */
export interface TestRef {
  readonly file: string;
  readonly name: string;
}

/**
 * How we know the scheme verifies what this provider sends, strongest first:
 * - `provider-sdk`: a round trip with the provider's own package from the npm registry (a
 *   devDependency): what it signs, we accept, or what we sign, it accepts;
 * - `reference-library`: a round trip with the package the provider's documentation tells its
 *   users to verify with (Svix's, for providers that deliver through Svix);
 * - `published-vector`: a signed request the provider (or its own SDK's tests) published;
 * - `captured-delivery`: a request the provider really signed, published by a third party;
 * - `independent-vector`: a known answer computed outside this code (another language, by
 *   hand) from the provider's documented algorithm;
 * - `documented-algorithm`: the algorithm as its documentation gives it, and nothing more.
 */
export type Proof =
  | { readonly kind: 'provider-sdk'; readonly package: string; readonly test: TestRef }
  | { readonly kind: 'reference-library'; readonly package: string; readonly test: TestRef }
  | { readonly kind: 'published-vector'; readonly test: TestRef }
  | { readonly kind: 'captured-delivery'; readonly test: TestRef }
  | { readonly kind: 'independent-vector'; readonly test: TestRef }
  | { readonly kind: 'documented-algorithm' };

export interface NamedProvider {
  /** What `--provider` takes: lowercase letters, digits and `-`. */
  readonly name: string;
  readonly displayName: string;
  readonly scheme: SchemeName;
  /** The scheme options this provider needs. @default - none */
  readonly options?: Readonly<Record<string, string>>;
  /** @default - the scheme's own tolerance */
  readonly toleranceSeconds?: number;
  /**
   * The provider's own documentation of how it signs webhooks.
   * @default - the scheme's (`Scheme.docs`), for a scheme named for its provider
   */
  readonly docs?: string;
  readonly proof: Proof;
  /** What the operator must know that the columns do not say. @default - nothing */
  readonly note?: string;
}
