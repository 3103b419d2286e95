/**
 * The supply-chain evidence of the compliance report: the CycloneDX SBOM of what the Lambda
 * bundles hold (compliance/report/sbom.ts), made from the inventory `npm run build` writes and
 * the lockfile, and the known-vulnerability status from the npm registry
 * (compliance/report/advisories.ts), which says "not checked" whenever the registry does not
 * answer as expected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bulkAdvisoryUrl, checkAdvisories } from '../../compliance/report/advisories.ts';
import {
  type BundledPackage,
  bundlesProperty,
  lambdaSbom,
  purlOf,
} from '../../compliance/report/sbom.ts';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { version?: string; integrity?: string }>;
};
const inventoryPath = 'dist/lambda/ingest.packages.json';

describe('the inventory npm run build writes beside each Lambda bundle', () => {
  it.runIf(existsSync(inventoryPath))(
    'names every npm package in the ingest bundle at the version the lockfile pins',
    () => {
      const inventory = JSON.parse(readFileSync(inventoryPath, 'utf8')) as BundledPackage[];
      const names = inventory.map((pkg) => pkg.name);
      expect(names).toContain('@aws-sdk/client-dynamodb');
      expect(names).toContain('@middy/core');
      // Build and test tools never reach a Lambda.
      expect(names).not.toContain('aws-cdk-lib');
      expect(names).not.toContain('vitest');
      for (const pkg of inventory) {
        expect(lock.packages[pkg.path]?.version).toBe(pkg.version);
        expect(pkg.integrity).toBe(lock.packages[pkg.path]?.integrity);
      }
    },
  );
});

describe('the SBOM', () => {
  const middy = {
    name: '@middy/core',
    version: '6.4.5',
    path: 'node_modules/@middy/core',
    resolved: 'https://registry.npmjs.org/@middy/core/-/core-6.4.5.tgz',
    integrity: `sha512-${Buffer.from('middy').toString('base64')}`,
    license: 'MIT',
  };
  const tslib = { name: 'tslib', version: '2.8.1', path: 'node_modules/tslib', license: '0BSD' };
  const bundles = { ingest: [middy, tslib], 'audit-digest': [tslib] };
  const sbom = lambdaSbom({
    bundles,
    product: { name: 'webhook-ingestion', version: '1.2.3' },
    generatedAt: new Date('2026-12-07T00:00:00Z'),
  });

  it('is CycloneDX 1.5 with one component per package and version, naming its bundles', () => {
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1 });
    expect(sbom.metadata.timestamp).toBe('2026-12-07T00:00:00.000Z');
    expect(sbom.components.map((c) => [c.purl, c.properties])).toEqual([
      ['pkg:npm/%40middy/core@6.4.5', [{ name: bundlesProperty, value: 'ingest' }]],
      ['pkg:npm/tslib@2.8.1', [{ name: bundlesProperty, value: 'audit-digest,ingest' }]],
    ]);
  });

  it("carries the lockfile's hash, licence and source, as the lockfile gives them", () => {
    const [middyComponent, tslibComponent] = sbom.components;
    expect(middyComponent).toMatchObject({
      group: '@middy',
      name: 'core',
      hashes: [{ alg: 'SHA-512', content: Buffer.from('middy').toString('hex') }],
      licenses: [{ expression: 'MIT' }],
      externalReferences: [
        { type: 'distribution', url: 'https://registry.npmjs.org/@middy/core/-/core-6.4.5.tgz' },
      ],
    });
    expect(tslibComponent).not.toHaveProperty('hashes');
    expect(tslibComponent?.licenses).toEqual([{ expression: '0BSD' }]);
  });

  it('has a serial number that follows its content, and a valid UUID', () => {
    const again = lambdaSbom({
      bundles,
      product: { name: 'webhook-ingestion', version: '1.2.3' },
      generatedAt: new Date(),
    });
    const other = lambdaSbom({
      bundles: { ingest: bundles.ingest.slice(1) },
      product: { name: 'webhook-ingestion', version: '1.2.3' },
      generatedAt: new Date(),
    });
    expect(again.serialNumber).toBe(sbom.serialNumber);
    expect(other.serialNumber).not.toBe(sbom.serialNumber);
    expect(sbom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("follows npm's configured registry, a mirror's path included", () => {
    expect(bulkAdvisoryUrl()).toBe('https://registry.npmjs.org/-/npm/v1/security/advisories/bulk');
    expect(bulkAdvisoryUrl('https://npm.example.com/repository/npm')).toBe(
      'https://npm.example.com/repository/npm/-/npm/v1/security/advisories/bulk',
    );
  });

  it('encodes the scope of a package URL', () => {
    expect(purlOf('@aws-sdk/client-sqs', '3.1.0')).toBe('pkg:npm/%40aws-sdk/client-sqs@3.1.0');
    expect(purlOf('semver', '7.8.6')).toBe('pkg:npm/semver@7.8.6');
  });
});

describe('the known-vulnerability status', () => {
  const packages: BundledPackage[] = [
    { name: 'lodash', version: '4.17.20', path: 'node_modules/lodash' },
    { name: 'tslib', version: '2.8.1', path: 'node_modules/tslib' },
  ];
  const now = () => new Date('2026-12-07T00:00:00Z');
  const answering = (status: number, body: unknown): typeof fetch =>
    (async (url: string | URL | Request, init?: RequestInit) => {
      expect(String(url)).toBe(bulkAdvisoryUrl('https://registry.example/'));
      expect(JSON.parse(String(init?.body))).toEqual({ lodash: ['4.17.20'], tslib: ['2.8.1'] });
      return new Response(JSON.stringify(body), { status });
    }) as typeof fetch;

  it('keeps only the advisories whose range holds the bundled version', async () => {
    const status = await checkAdvisories(packages, {
      registry: 'https://registry.example/',
      now,
      fetch: answering(200, {
        lodash: [
          {
            id: 1106913,
            severity: 'high',
            title: 'Command Injection in lodash',
            url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
            vulnerable_versions: '<4.17.21',
          },
          { id: 1, severity: 'low', title: 'old', url: 'u', vulnerable_versions: '<4.0.0' },
        ],
      }),
    });
    expect(status).toEqual({
      status: 'checked',
      checkedAt: '2026-12-07T00:00:00.000Z',
      source: 'https://registry.example/-/npm/v1/security/advisories/bulk',
      packages: 2,
      advisories: [
        {
          name: 'lodash',
          version: '4.17.20',
          id: '1106913',
          severity: 'high',
          title: 'Command Injection in lodash',
          url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
          vulnerableVersions: '<4.17.21',
        },
      ],
    });
  });

  it('says not checked, and why, when the registry refuses, fails or answers nonsense', async () => {
    const registry = 'https://registry.example/';
    expect(await checkAdvisories(packages, { registry, now, fetch: answering(405, {}) })).toEqual({
      status: 'not-checked',
      checkedAt: '2026-12-07T00:00:00.000Z',
      reason: `${bulkAdvisoryUrl(registry)} answered HTTP 405`,
    });
    const unreachable = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    expect(await checkAdvisories(packages, { registry, now, fetch: unreachable })).toMatchObject({
      status: 'not-checked',
      reason: `${bulkAdvisoryUrl(registry)} could not be asked (TypeError: fetch failed)`,
    });
    expect(
      await checkAdvisories(packages, { registry, now, fetch: answering(200, []) }),
    ).toMatchObject({
      status: 'not-checked',
      reason: 'the npm registry answered something other than advisories',
    });
    expect(
      await checkAdvisories(packages, { registry, now, fetch: answering(200, { lodash: 'x' }) }),
    ).toMatchObject({ status: 'not-checked' });
  });
});
