/**
 * The catalog's claims, checked against the repository: each proof names a test that exists
 * and a package the tests install; each entry's options are its scheme's; the columns the
 * catalog derives say what the schemes do; and `webhooks providers catalog` prints them all.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogMarkdown } from '../../cli/commands/providers/catalog.ts';
import { isProviderId } from '../../functions/registry/provider.ts';
import {
  catalogRow,
  catalogRows,
  namedProvider,
  namedProviders,
} from '../../ops/catalog/catalog.ts';
import { cli } from '../cli/helpers.ts';

const devDependencies = Object.keys(
  (JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string> })
    .devDependencies,
);

/** The row of a provider the catalog must name. */
function rowOf(name: string) {
  const provider = namedProvider(name);
  if (provider === undefined) throw new Error(`the catalog names no ${name}`);
  return catalogRow(provider);
}

describe('the provider catalog', () => {
  it('names each provider once, by an id `providers add` would take', () => {
    const names = namedProviders.map(({ name }) => name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(isProviderId(name), name).toBe(true);
  });

  it.each(namedProviders.map((provider) => [provider.name, provider] as const))(
    '%s: its options are its scheme’s, its docs a https link, its proof a test that exists',
    (_, provider) => {
      const row = catalogRow(provider);
      expect(row.docs).toMatch(/^https:\/\//);
      const { proof } = provider;
      if (proof.kind === 'documented-algorithm') return;
      const source = readFileSync(proof.test.file, 'utf8');
      // Declared as a test that runs: `it(` or `it.each(…)(` with the exact name, never skipped.
      const name = proof.test.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const declared = new RegExp(`\\bit(?:\\.each\\([^\\n]*\\))?\\(\\s*(['"])${name}\\1`);
      expect(declared.test(source), `${proof.test.file}: ${proof.test.name}`).toBe(true);
      if (proof.kind === 'provider-sdk' || proof.kind === 'reference-library') {
        expect(devDependencies).toContain(proof.package);
        expect(source).toContain(`from '${proof.package}`);
      }
    },
  );

  it('names at least 80 providers, as many as the README says', () => {
    expect(namedProviders.length).toBeGreaterThanOrEqual(80);
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain(`${namedProviders.length} providers added by name`);
  });

  it('derives where the delivery id and event type come from, and whether they are signed', () => {
    expect(rowOf('svix')).toMatchObject({
      deliveryId: { from: 'a signed header', signed: true },
      eventType: { from: 'body type', signed: true },
      headers: expect.arrayContaining(['webhook-id', 'webhook-signature']),
    });
    expect(rowOf('stripe')).toMatchObject({
      deliveryId: { from: "body id, else the body's SHA-256", signed: true },
      toleranceSeconds: 300,
    });
    // The generic HMAC over the body: Razorpay's event id header is not signed, so the
    // delivery is known by its body.
    expect(rowOf('razorpay')).toMatchObject({
      deliveryId: { from: "the body's SHA-256", signed: true },
      eventType: { from: 'none', signed: false },
      headers: ['X-Razorpay-Signature', 'x-razorpay-event-id'],
    });
    // Options name where an hmac provider's event id and type are: a signed body id names the
    // delivery, and an event type header is shown as unsigned.
    expect(rowOf('dub')).toMatchObject({
      deliveryId: { from: "body id, else the body's SHA-256", signed: true },
      eventType: { from: 'body event', signed: true },
    });
    expect(rowOf('snyk')).toMatchObject({
      eventType: { from: 'header X-Snyk-Event', signed: false },
    });
    // A handshake where the provider needs one: on POST (Twitch) or, by option, on GET (Meta).
    expect([rowOf('twitch'), rowOf('whatsapp'), rowOf('dropbox')]).toMatchObject([
      { handshake: true },
      { handshake: true },
      { handshake: true },
    ]);
    expect([rowOf('razorpay'), rowOf('stripe')]).toMatchObject([
      { handshake: false },
      { handshake: false },
    ]);
    // GitHub's event header is outside what it signs: the catalog says so.
    expect(rowOf('github')).toMatchObject({
      eventType: { from: 'header X-GitHub-Event', signed: false },
    });
    // A token signs nothing: what it reports is not covered.
    expect(rowOf('postmark')).toMatchObject({
      deliveryId: { from: "the body's SHA-256", signed: false },
    });
  });
});

describe('webhooks providers catalog', () => {
  it('prints every named provider; --json gives at least name, scheme and proof', async () => {
    const text = await cli(['providers', 'catalog']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(
      /^PROVIDER\s+SCHEME\s+DELIVERY ID\s+EVENT TYPE\s+PROOF\s+PUBLISHED LIST$/,
    );
    const json = await cli(['providers', 'catalog', '--json']);
    const rows = JSON.parse(json.stdout) as { name: string; scheme: string; proof: string }[];
    expect(rows).toEqual(catalogRows());
    expect(rows.map(({ name }) => name)).toEqual(namedProviders.map(({ name }) => name));
    for (const row of rows) {
      expect(row).toEqual(
        expect.objectContaining({
          name: expect.any(String),
          scheme: expect.any(String),
          proof: expect.any(String),
        }),
      );
    }
  });

  it('is the table docs/providers.md holds between its markers', () => {
    const doc = readFileSync('docs/providers.md', 'utf8');
    const start = doc.indexOf('\n', doc.indexOf('<!-- generated:catalog:start')) + 1;
    const end = doc.indexOf('<!-- generated:catalog:end -->');
    expect(doc.slice(start, end), 'regenerate: npx webhooks providers catalog --markdown').toBe(
      catalogMarkdown(catalogRows()),
    );
  });
});
