/**
 * The provider catalog: every named provider, and what `webhooks providers catalog` prints of
 * each. The columns that describe a scheme (the headers it reads, where the delivery id and the
 * event type come from and whether the signature covers them) are derived from the scheme and
 * the provider's options, never written by hand, so that they cannot drift from what is run.
 */
import type { Scheme } from '../../functions/verify/scheme.ts';
import { eventSourcesOf, methodsOf, signedFieldsOf } from '../../functions/verify/scheme.ts';
import { getScheme } from '../../functions/verify/verify.ts';
import { publishedListsOf } from '../source-lists/index.ts';
import { businessAppProviders } from './business-app-providers.ts';
import { developerToolProviders } from './developer-tool-providers.ts';
import { messagingProviders } from './messaging-providers.ts';
import type { NamedProvider, Proof } from './named-provider.ts';
import { nativeProviders } from './native-providers.ts';
import { paymentProviders } from './payment-providers.ts';
import { standardWebhooksProviders } from './standard-webhooks-providers.ts';

/** Every named provider, by name. */
export const namedProviders: readonly NamedProvider[] = [
  ...nativeProviders,
  ...standardWebhooksProviders,
  ...developerToolProviders,
  ...paymentProviders,
  ...messagingProviders,
  ...businessAppProviders,
].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The named provider `name`, or undefined. */
export function namedProvider(name: string): NamedProvider | undefined {
  return namedProviders.find((provider) => provider.name === name);
}

/** Where a value a delivery reports comes from, and whether the signature covers it. */
export interface ValueSource {
  /** e.g. `a signed header`, `body id`, `the body's SHA-256`, `none`. */
  readonly from: string;
  readonly signed: boolean;
}

/** One line of `webhooks providers catalog`; `--json` prints these. */
export interface CatalogRow {
  readonly name: string;
  readonly displayName: string;
  readonly scheme: string;
  readonly options: Readonly<Record<string, string>>;
  readonly toleranceSeconds: number | null;
  readonly keyKind: Scheme<unknown>['keyKind'];
  readonly headers: readonly string[];
  /** What the delivery is deduplicated by (functions/ingest/delivery-names.ts). */
  readonly deliveryId: ValueSource;
  readonly eventType: ValueSource;
  readonly handshake: boolean;
  readonly docs: string;
  readonly proof: string;
  readonly proofDetail: Proof;
  readonly note: string | null;
  /**
   * The provider's published source lists (ops/source-lists), for `--allow-published`: one,
   * one per region, or none.
   */
  readonly publishedLists: readonly string[];
}

export function catalogRow(provider: NamedProvider): CatalogRow {
  const scheme = getScheme(provider.scheme);
  const options = provider.options ?? {};
  const parsed = scheme.parseOptions === undefined ? {} : scheme.parseOptions(options);
  const signed = signedFieldsOf(scheme, parsed);
  const { eventFields: fields, eventTypeHeader } = eventSourcesOf(scheme, parsed);
  // The order delivery-names.ts chooses in: a signed header id, a signed body id, the body
  // (also where a body lacks its id).
  const deliveryId: ValueSource = signed.deliveryId
    ? { from: 'a signed header', signed: true }
    : fields?.id !== undefined && signed.eventFields
      ? { from: `body ${fields.id}, else the body's SHA-256`, signed: true }
      : { from: "the body's SHA-256", signed: signed.body };
  // The verdict's type (a header) before the body's, as delivery-names.ts takes them.
  const eventType: ValueSource =
    eventTypeHeader !== undefined
      ? { from: `header ${eventTypeHeader}`, signed: signed.eventType }
      : signed.eventType
        ? { from: 'a signed header', signed: true }
        : fields?.type !== undefined
          ? { from: `body ${fields.type}`, signed: signed.eventFields }
          : { from: 'none', signed: false };
  return {
    name: provider.name,
    displayName: provider.displayName,
    scheme: provider.scheme,
    options,
    toleranceSeconds: provider.toleranceSeconds ?? scheme.defaultToleranceSeconds ?? null,
    keyKind: scheme.keyKind,
    headers: headersOf(scheme, options),
    deliveryId,
    eventType,
    // Twitch and Zoom answer theirs on POST; the generic hmac answers a GET under `challenge`.
    handshake:
      scheme.methods === undefined
        ? scheme.handshake !== undefined
        : methodsOf(scheme, parsed).some((method) => method !== 'POST'),
    docs: provider.docs ?? scheme.docs,
    proof: proofText(provider.proof),
    proofDetail: provider.proof,
    note: provider.note ?? null,
    publishedLists: publishedListsOf(provider.name).map((list) => list.name),
  };
}

/** The catalog's rows, in name order. */
export function catalogRows(): CatalogRow[] {
  return namedProviders.map(catalogRow);
}

/** The headers the scheme reads under these options: a configurable scheme names its own. */
function headersOf(scheme: Scheme<unknown>, options: Readonly<Record<string, string>>) {
  const configured = ['header', 'timestampHeader', 'idHeader']
    .map((name) => options[name])
    .filter((value): value is string => value !== undefined);
  return configured.length > 0 ? configured : scheme.headers;
}

/** The proof in a phrase, for the table. */
export function proofText(proof: Proof): string {
  switch (proof.kind) {
    case 'provider-sdk':
      return `round trip with ${proof.package}`;
    case 'reference-library':
      return `round trip with ${proof.package}, which its docs verify with`;
    case 'published-vector':
      return 'published vector';
    case 'captured-delivery':
      return 'delivery captured by a third party';
    case 'independent-vector':
      return 'known answer computed outside this code';
    case 'documented-algorithm':
      return 'documented algorithm only';
  }
}
