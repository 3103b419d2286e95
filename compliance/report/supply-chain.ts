/**
 * The report's software supply chain evidence (PCI DSS v4.0.1 6.3.1 to 6.3.3): the runtime of
 * each Lambda in the template with the date AWS ends its support, the SBOM of the npm packages
 * the bundles hold (sbom.ts), and their known vulnerabilities at report time (advisories.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AdvisoryStatus, checkAdvisories } from './advisories.ts';
import { type BundledPackage, type CycloneDxBom, lambdaSbom } from './sbom.ts';
import { property, resourcesOfType, type Template } from './template.ts';

/**
 * When AWS deprecates each Node.js runtime the construct may use, and from when it blocks
 * updates of a function on it, as AWS's "Lambda runtimes" table lists them.
 */
export const runtimeSupport: Readonly<
  Record<string, { readonly deprecation: string; readonly blockUpdate: string }>
> = {
  'nodejs24.x': { deprecation: '2028-04-30', blockUpdate: '2028-07-01' },
  'nodejs22.x': { deprecation: '2027-04-30', blockUpdate: '2027-07-01' },
};

export const runtimeSupportSource =
  'https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html';

export interface FunctionRuntime {
  /** The function's logical id. */
  readonly resource: string;
  readonly runtime: string;
  /** @default - not in {@link runtimeSupport}: the report says so */
  readonly deprecation?: string;
  readonly blockUpdate?: string;
}

export interface SupplyChain {
  readonly runtimes: readonly FunctionRuntime[];
  readonly sbom:
    | { readonly status: 'made'; readonly bom: CycloneDxBom }
    | { readonly status: 'not-made'; readonly reason: string };
  readonly advisories: AdvisoryStatus;
}

export interface SupplyChainOptions {
  /** This package's root, whose dist/lambda holds each bundle's `<bundle>.packages.json`. */
  readonly packageRoot: string;
  readonly product: { readonly name: string; readonly version: string };
  readonly now: () => Date;
  /** Skip the registry: the advisories are "not checked" with this reason. */
  readonly offline?: string;
  readonly fetch?: typeof fetch;
}

/** Everything the section shows, read once. */
export async function readSupplyChain(
  template: Template,
  options: SupplyChainOptions,
): Promise<SupplyChain> {
  const runtimes = resourcesOfType(template, 'AWS::Lambda::Function').map(({ id, resource }) => {
    const runtime = String(property(resource, 'Runtime') ?? 'none (a container image)');
    const support = runtimeSupport[runtime];
    return { resource: id, runtime, ...(support ?? {}) };
  });
  const inventory = readInventories(options.packageRoot);
  if ('reason' in inventory) {
    return {
      runtimes,
      sbom: { status: 'not-made', reason: inventory.reason },
      advisories: {
        status: 'not-checked',
        checkedAt: options.now().toISOString(),
        reason: 'no inventory of the bundles to check',
      },
    };
  }
  const bom = lambdaSbom({
    bundles: inventory.bundles,
    product: options.product,
    generatedAt: options.now(),
  });
  const packages = Object.values(inventory.bundles).flat();
  const advisories =
    options.offline === undefined
      ? await checkAdvisories(packages, {
          now: options.now,
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        })
      : ({
          status: 'not-checked',
          checkedAt: options.now().toISOString(),
          reason: options.offline,
        } as const);
  return { runtimes, sbom: { status: 'made', bom }, advisories };
}

function readInventories(
  root: string,
): { readonly bundles: Record<string, BundledPackage[]> } | { readonly reason: string } {
  const folder = join(root, 'dist', 'lambda');
  const files = existsSync(folder)
    ? readdirSync(folder).filter((name) => name.endsWith('.packages.json'))
    : [];
  if (files.length === 0) {
    return { reason: `no bundle inventory in ${folder}: run \`npm run build\`` };
  }
  const bundles = Object.fromEntries(
    files.map((name) => [
      name.slice(0, -'.packages.json'.length),
      JSON.parse(readFileSync(join(folder, name), 'utf8')) as BundledPackage[],
    ]),
  );
  return { bundles };
}
