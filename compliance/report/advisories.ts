/**
 * Known vulnerabilities of the packages in the Lambdas at report time (PCI DSS v4.0.1 6.3.1:
 * security vulnerabilities are identified from industry sources), from the npm registry's bulk
 * advisory endpoint, the one `npm audit` asks. A registry that does not answer, or answers
 * something else, leaves the status "not checked" with the reason: never "no known
 * vulnerability".
 */
import semver from 'semver';
import type { BundledPackage } from './sbom.ts';

/** The public registry, unless npm is configured with another (`npm_config_registry`). */
export const defaultRegistry = 'https://registry.npmjs.org/';

/** The bulk advisory endpoint of `registry`, as `npm audit` asks it. */
export function bulkAdvisoryUrl(registry: string = defaultRegistry): string {
  return new URL(
    '-/npm/v1/security/advisories/bulk',
    registry.endsWith('/') ? registry : `${registry}/`,
  ).href;
}

export interface Advisory {
  readonly name: string;
  readonly version: string;
  readonly id: string;
  readonly severity: string;
  readonly title: string;
  readonly url: string;
  readonly vulnerableVersions: string;
}

export type AdvisoryStatus =
  | {
      readonly status: 'checked';
      readonly checkedAt: string;
      readonly source: string;
      readonly packages: number;
      /** The advisories whose vulnerable range holds a bundled version. */
      readonly advisories: readonly Advisory[];
    }
  | { readonly status: 'not-checked'; readonly checkedAt: string; readonly reason: string };

export interface AdvisoryOptions {
  /** @default the `npm_config_registry` variable npm sets, else {@link defaultRegistry} */
  readonly registry?: string;
  readonly fetch?: typeof fetch;
  /** @default 5000 */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

/** Asks the registry about every bundled package and version, once. */
export async function checkAdvisories(
  packages: readonly BundledPackage[],
  options: AdvisoryOptions = {},
): Promise<AdvisoryStatus> {
  const checkedAt = (options.now ?? (() => new Date()))().toISOString();
  const versions = new Map<string, Set<string>>();
  for (const { name, version } of packages) {
    versions.set(name, (versions.get(name) ?? new Set()).add(version));
  }
  const query = Object.fromEntries([...versions].map(([name, set]) => [name, [...set].sort()]));
  const url = bulkAdvisoryUrl(
    options.registry ?? (process.env.npm_config_registry || defaultRegistry),
  );
  let answer: unknown;
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(query),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    if (!response.ok) {
      return notChecked(checkedAt, `${url} answered HTTP ${response.status}`);
    }
    answer = await response.json();
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return notChecked(checkedAt, `${url} could not be asked (${why})`);
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    return notChecked(checkedAt, 'the npm registry answered something other than advisories');
  }
  const advisories: Advisory[] = [];
  for (const [name, entries] of Object.entries(answer)) {
    if (!Array.isArray(entries)) {
      return notChecked(checkedAt, `the npm registry's answer for ${name} is not a list`);
    }
    for (const entry of entries as Record<string, unknown>[]) {
      const range = String(entry.vulnerable_versions ?? '');
      for (const version of versions.get(name) ?? []) {
        // The registry answers per package; which bundled version a range holds is ours to say.
        if (range !== '' && semver.satisfies(version, range, { includePrerelease: true })) {
          advisories.push({
            name,
            version,
            id: String(entry.id ?? ''),
            severity: String(entry.severity ?? 'unknown'),
            title: String(entry.title ?? ''),
            url: String(entry.url ?? ''),
            vulnerableVersions: range,
          });
        }
      }
    }
  }
  return {
    status: 'checked',
    checkedAt,
    source: url,
    packages: versions.size,
    advisories,
  };
}

function notChecked(checkedAt: string, reason: string): AdvisoryStatus {
  return { status: 'not-checked', checkedAt, reason };
}
