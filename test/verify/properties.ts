import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SchemeName, SchemeOptions } from '../../functions/verify/schemes/index.ts';
import type { DeliveryRequest, Verdict, VerificationKey } from '../../functions/verify/types.ts';
import { getScheme, verifyDelivery } from '../../functions/verify/verify.ts';

/** What a provider puts into one signed delivery. */
export interface DeliveryFacts {
  readonly body: Uint8Array;
  readonly timestampSeconds: number;
  readonly id: string;
}

/** How to sign for a scheme as its provider does, and where the signed parts travel. */
export interface SchemeFixture<Name extends SchemeName> {
  readonly scheme: Name;
  readonly options?: SchemeOptions<Name>;
  /** Keys given to the verifier; the fixture signs with the first (or its private half). */
  readonly keys: readonly VerificationKey[];
  sign(facts: DeliveryFacts): DeliveryRequest;
  /** The header whose value carries the signature (or token). */
  readonly signatureHeader: string;
  /** A header carrying the signed timestamp on its own. @default - inside the signature header or body */
  readonly timestampHeader?: string;
  /** A header carrying a signed delivery id. @default - the scheme signs no id */
  readonly idHeader?: string;
  /**
   * `all` when every body byte is authenticated; otherwise why not (e.g. a static token).
   * @default 'all'
   */
  readonly bodyCoverage?: 'all' | { readonly uncovered: string };
  /** Bodies the provider could send. @default - any bytes up to 512 */
  readonly bodies?: fc.Arbitrary<Uint8Array>;
}

const anyBody = fc.uint8Array({ maxLength: 512 });
const anyId = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
/** A plausible "now": 2001 to 2100, in whole seconds. */
const anySecond = fc.integer({ min: 1_000_000_000, max: 4_000_000_000 });
const printable = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));

/** Replaces one character with a different printable one. */
function flipCharacter(text: string, position: number, replacement: string): string {
  const index = position % text.length;
  const current = text[index];
  const next = replacement === current ? (replacement === 'A' ? 'B' : 'A') : replacement;
  return text.slice(0, index) + next + text.slice(index + 1);
}

function withHeader(request: DeliveryRequest, name: string, value: string): DeliveryRequest {
  const headers: Record<string, string | readonly string[] | undefined> = {};
  for (const [key, current] of Object.entries(request.headers)) {
    headers[key] = key.toLowerCase() === name.toLowerCase() ? value : current;
  }
  return { ...request, headers };
}

function headerValue(request: DeliveryRequest, name: string): string {
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === name.toLowerCase() && typeof value === 'string') return value;
  }
  throw new Error(`fixture sent no ${name} header`);
}

/**
 * The invariants every scheme must hold, as fast-check properties: genuine deliveries
 * pass, any tampering fails, odd lengths fail without throwing, tolerance is exact, and
 * header names are case-insensitive.
 */
export function describeSchemeProperties<Name extends SchemeName>(fixture: SchemeFixture<Name>) {
  const scheme = getScheme(fixture.scheme);
  const tolerance = scheme.defaultToleranceSeconds;
  const bodies = fixture.bodies ?? anyBody;
  const facts = fc.record({ body: bodies, timestampSeconds: anySecond, id: anyId });

  const verify = (request: DeliveryRequest, nowSeconds: number): Promise<Verdict> =>
    verifyDelivery({
      scheme: fixture.scheme,
      request,
      keys: fixture.keys,
      ...(fixture.options === undefined ? {} : { options: fixture.options }),
      clock: () => nowSeconds * 1000,
    });

  describe(`${fixture.scheme} properties`, () => {
    it('accepts every delivery signed as the provider signs it', async () => {
      await fc.assert(
        fc.asyncProperty(facts, async (delivery) => {
          const verdict = await verify(fixture.sign(delivery), delivery.timestampSeconds);
          expect(verdict).toMatchObject({ accepted: true });
        }),
      );
    });

    if ((fixture.bodyCoverage ?? 'all') === 'all') {
      it('rejects a delivery with any one body byte changed', async () => {
        await fc.assert(
          fc.asyncProperty(
            facts.filter((delivery) => delivery.body.length > 0),
            fc.nat(),
            fc.integer({ min: 1, max: 255 }),
            async (delivery, position, mask) => {
              const request = fixture.sign(delivery);
              const body = Uint8Array.from(request.body);
              const index = position % body.length;
              body[index] = (body[index] as number) ^ mask;
              const verdict = await verify({ ...request, body }, delivery.timestampSeconds);
              expect(verdict.accepted).toBe(false);
            },
          ),
        );
      });
    }

    const tamperedHeaders = [
      ['signature', fixture.signatureHeader],
      ['timestamp', fixture.timestampHeader],
      ['id', fixture.idHeader],
    ] as const;
    for (const [part, header] of tamperedHeaders) {
      if (header === undefined) continue;
      it(`rejects a delivery with any one character of its ${part} changed`, async () => {
        await fc.assert(
          fc.asyncProperty(facts, fc.nat(), printable, async (delivery, position, replacement) => {
            const request = fixture.sign(delivery);
            const flipped = flipCharacter(headerValue(request, header), position, replacement);
            const verdict = await verify(
              withHeader(request, header, flipped),
              delivery.timestampSeconds,
            );
            expect(verdict.accepted).toBe(false);
          }),
        );
      });
    }

    it('rejects a signature of the wrong length without throwing', async () => {
      await fc.assert(
        fc.asyncProperty(
          facts,
          fc.integer({ min: 1, max: 64 }),
          fc.boolean(),
          async (delivery, amount, lengthen) => {
            const request = fixture.sign(delivery);
            const value = headerValue(request, fixture.signatureHeader);
            const resized = lengthen
              ? value + 'A'.repeat(amount)
              : value.slice(0, Math.max(0, value.length - amount));
            const verdict = await verify(
              withHeader(request, fixture.signatureHeader, resized),
              delivery.timestampSeconds,
            );
            expect(verdict.accepted).toBe(false);
          },
        ),
      );
    });

    it('never throws, whatever the signature header holds', async () => {
      await fc.assert(
        fc.asyncProperty(facts, fc.string({ maxLength: 300 }), async (delivery, junk) => {
          const request = withHeader(fixture.sign(delivery), fixture.signatureHeader, junk);
          const verdict = await verify(request, delivery.timestampSeconds);
          expect(typeof verdict.accepted).toBe('boolean');
        }),
      );
    });

    if (tolerance !== undefined) {
      it(`accepts one second inside the ${tolerance}s tolerance, either way`, async () => {
        await fc.assert(
          fc.asyncProperty(facts, fc.boolean(), async (delivery, future) => {
            const skew = future ? -(tolerance - 1) : tolerance - 1;
            const verdict = await verify(fixture.sign(delivery), delivery.timestampSeconds + skew);
            expect(verdict).toMatchObject({ accepted: true });
          }),
        );
      });

      it('rejects one second outside tolerance, as too old or too new', async () => {
        await fc.assert(
          fc.asyncProperty(facts, fc.boolean(), async (delivery, future) => {
            const skew = future ? -(tolerance + 1) : tolerance + 1;
            const verdict = await verify(fixture.sign(delivery), delivery.timestampSeconds + skew);
            expect(verdict).toMatchObject({
              accepted: false,
              reason: future ? 'timestamp_too_new' : 'timestamp_too_old',
            });
          }),
        );
      });
    }

    it('accepts header names in any letter case', async () => {
      await fc.assert(
        fc.asyncProperty(facts, fc.infiniteStream(fc.boolean()), async (delivery, coin) => {
          const request = fixture.sign(delivery);
          const headers: Record<string, string | readonly string[] | undefined> = {};
          for (const [name, value] of Object.entries(request.headers)) {
            const recased = [...name]
              .map((char) => (coin.next().value ? char.toUpperCase() : char.toLowerCase()))
              .join('');
            headers[recased] = value;
          }
          const verdict = await verify({ ...request, headers }, delivery.timestampSeconds);
          expect(verdict).toMatchObject({ accepted: true });
        }),
      );
    });
  });
}
