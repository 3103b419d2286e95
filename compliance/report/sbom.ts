/**
 * The software bill of materials of what runs in the stack's Lambdas (PCI DSS v4.0.1 6.3.2: an
 * inventory of bespoke and third-party software components), as CycloneDX 1.5 JSON. Built from
 * the inventory `npm run build` writes beside each bundle (`dist/lambda/<bundle>.packages.json`:
 * the npm packages whose code esbuild put in it, with the version, integrity hash and licence
 * package-lock.json pins). Pure: the caller reads the files.
 */
import { createHash } from 'node:crypto';

/**
 * One entry of a bundle's inventory, as scripts/build.mjs writes it from package-lock.json (which
 * the published package does not ship, so the inventory carries what the SBOM needs of it).
 */
export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** Its folder, e.g. `node_modules/@smithy/types`, the key of package-lock.json's `packages`. */
  readonly path: string;
  readonly resolved?: string;
  /** As the lockfile writes it: `sha512-<base64>`. */
  readonly integrity?: string;
  readonly license?: string;
}

export interface SbomInputs {
  /** Each Lambda bundle's inventory, by its folder name under dist/lambda (`ingest`, …). */
  readonly bundles: Readonly<Record<string, readonly BundledPackage[]>>;
  readonly product: { readonly name: string; readonly version: string };
  readonly generatedAt: Date;
}

export interface CycloneDxComponent {
  readonly type: 'library';
  readonly 'bom-ref': string;
  readonly name: string;
  readonly group?: string;
  readonly version: string;
  readonly purl: string;
  readonly hashes?: ReadonlyArray<{ readonly alg: string; readonly content: string }>;
  readonly licenses?: ReadonlyArray<{ readonly expression: string }>;
  readonly externalReferences?: ReadonlyArray<{
    readonly type: 'distribution';
    readonly url: string;
  }>;
  readonly properties: ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

export interface CycloneDxBom {
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: '1.5';
  readonly serialNumber: string;
  readonly version: 1;
  readonly metadata: {
    readonly timestamp: string;
    readonly component: {
      readonly type: 'application';
      readonly 'bom-ref': string;
      readonly name: string;
      readonly version: string;
    };
  };
  readonly components: readonly CycloneDxComponent[];
}

/** The property naming the bundles a component is in, comma-separated. */
export const bundlesProperty = 'webhook-ingestion:lambda-bundles';

/**
 * The SBOM of every bundle's packages, one component per package and version, naming the
 * bundles it is in. Its serial number is derived from its content, so the same inputs always
 * give the same document (the timestamp aside).
 */
export function lambdaSbom(inputs: SbomInputs): CycloneDxBom {
  const byRef = new Map<string, { readonly pkg: BundledPackage; readonly bundles: Set<string> }>();
  for (const [bundle, packages] of Object.entries(inputs.bundles)) {
    for (const pkg of packages) {
      const ref = purlOf(pkg.name, pkg.version);
      const entry = byRef.get(ref) ?? { pkg, bundles: new Set<string>() };
      entry.bundles.add(bundle);
      byRef.set(ref, entry);
    }
  }
  const components = [...byRef.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ref, { pkg, bundles }]) => component(ref, pkg, bundles));
  const digest = createHash('sha256')
    .update(JSON.stringify([inputs.product, components]))
    .digest('hex');
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidFrom(digest)}`,
    version: 1,
    metadata: {
      timestamp: inputs.generatedAt.toISOString(),
      component: {
        type: 'application',
        'bom-ref': purlOf(inputs.product.name, inputs.product.version),
        name: inputs.product.name,
        version: inputs.product.version,
      },
    },
    components,
  };
}

function component(
  ref: string,
  pkg: BundledPackage,
  bundles: ReadonlySet<string>,
): CycloneDxComponent {
  const lock = pkg;
  const slash = pkg.name.startsWith('@') ? pkg.name.indexOf('/') : -1;
  const hash = sha512Hex(lock.integrity);
  return {
    type: 'library',
    'bom-ref': ref,
    ...(slash < 0
      ? { name: pkg.name }
      : { group: pkg.name.slice(0, slash), name: pkg.name.slice(slash + 1) }),
    version: pkg.version,
    purl: ref,
    ...(hash === undefined ? {} : { hashes: [{ alg: 'SHA-512', content: hash }] }),
    ...(lock.license === undefined ? {} : { licenses: [{ expression: lock.license }] }),
    ...(lock.resolved === undefined
      ? {}
      : { externalReferences: [{ type: 'distribution', url: lock.resolved }] }),
    properties: [{ name: bundlesProperty, value: [...bundles].sort().join(',') }],
  };
}

/** `pkg:npm/%40scope/name@1.2.3` (the package URL spec encodes the scope's `@`). */
export function purlOf(name: string, version: string): string {
  const encoded = name.startsWith('@') ? `%40${name.slice(1)}` : name;
  return `pkg:npm/${encoded}@${version}`;
}

/** A lockfile's `sha512-<base64>` integrity as hex; undefined for another algorithm or none. */
function sha512Hex(integrity: string | undefined): string | undefined {
  const sha512 = integrity?.split(/\s+/).find((entry) => entry.startsWith('sha512-'));
  return sha512 === undefined
    ? undefined
    : Buffer.from(sha512.slice('sha512-'.length), 'base64').toString('hex');
}

/** A version 4-shaped UUID from a hex digest, so the serial number is stable for one content. */
function uuidFrom(hex: string): string {
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
