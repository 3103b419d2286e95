import { BoundedCache } from './bounded-cache.ts';
import type { HeaderInput } from './types.ts';

/** Lower-cased header names; long (invented) names are lower-cased each time instead. */
const lowerCaseNames = new BoundedCache<string>(512);
const rememberedLength = 64;
const toLowerCase = (name: string) => name.toLowerCase();

function lowerCase(name: string): string {
  return name.length <= rememberedLength
    ? lowerCaseNames.get(name, toLowerCase)
    : name.toLowerCase();
}

/**
 * Request headers looked up case-insensitively, since HTTP header names are. Lookups scan
 * the request's own names rather than copying them all into a lower-cased map first: a
 * scheme reads two to four headers of a dozen or more, so this is the cheaper way round.
 */
export class HeaderMap {
  readonly #headers: HeaderInput;
  readonly #names: readonly string[];

  constructor(headers: HeaderInput) {
    this.#headers = headers;
    this.#names = Object.keys(headers);
  }

  /**
   * The value of the header with this lower-case name. Repeated values, and the same name
   * sent in two letter cases, are joined with `, ` as RFC 9110 §5.3 allows.
   */
  get(name: string): string | undefined {
    let found: string | undefined;
    for (const key of this.#names) {
      if (key.length !== name.length || lowerCase(key) !== name) continue;
      const value = this.#headers[key];
      if (value === undefined) continue;
      const text = typeof value === 'string' ? value : value.join(', ');
      found = found === undefined ? text : `${found}, ${text}`;
    }
    return found;
  }

  /**
   * How many values the header with this lower-case name arrived with: each repeat and each
   * letter-case spelling counts once. A front that joined repeats with commas before the
   * request got here (HTTP API v2) hands over one value, which counts as one.
   */
  count(name: string): number {
    let count = 0;
    for (const key of this.#names) {
      if (key.length !== name.length || lowerCase(key) !== name) continue;
      const value = this.#headers[key];
      if (value !== undefined) count += typeof value === 'string' ? 1 : value.length;
    }
    return count;
  }

  /** Lower-case names of every header present, each once. */
  names(): string[] {
    return [...new Set(this.#names.map(lowerCase))];
  }
}

/**
 * Where a provider names the delivery, each header as the provider spells it: read by the
 * scheme's verifier, and written by its signer where the provider sends them. A shape says
 * where the headers are, not whether they are signed: few providers sign them, and the
 * scheme says which it does in `signedFields` (scheme.ts), unsigned unless it opts in.
 */
export interface DeliveryHeaders {
  /**
   * Headers the provider sends the delivery id in, each with the same value; the first present
   * is reported. @default - no id header
   */
  readonly idHeaders?: readonly string[];
  /**
   * Headers read for the id when none of `idHeaders` came (another edition or an older version
   * of the sender); signers do not write them. @default - none
   */
  readonly fallbackIdHeaders?: readonly string[];
  /** The header carrying the event type. @default - the type travels in the body, or nowhere */
  readonly eventTypeHeader?: string;
}

/** The delivery id and event type a request's headers carry; absent ones are `undefined`. */
export interface DeliveryDetails {
  readonly deliveryId?: string | undefined;
  readonly eventType?: string | undefined;
}

const noDetails: DeliveryDetails = {};

/** Reads the delivery id and event type that {@link DeliveryHeaders} name, lower-cased once. */
export function deliveryHeaderReader(
  shape: DeliveryHeaders,
): (headers: HeaderMap) => DeliveryDetails {
  const idNames = [...(shape.idHeaders ?? []), ...(shape.fallbackIdHeaders ?? [])].map((name) =>
    name.toLowerCase(),
  );
  const typeName = shape.eventTypeHeader?.toLowerCase();
  if (idNames.length === 0 && typeName === undefined) return () => noDetails;
  return (headers) => {
    let deliveryId: string | undefined;
    for (const name of idNames) {
      deliveryId = headers.get(name);
      if (deliveryId !== undefined) break;
    }
    return { deliveryId, eventType: typeName === undefined ? undefined : headers.get(typeName) };
  };
}
