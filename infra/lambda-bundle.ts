/**
 * Where the construct finds the Lambda bundles the build made (scripts/build.mjs,
 * dist/lambda/<folder>/index.mjs). Prebuilt, not bundled at synth time, so that a user's app
 * that installs this package needs neither esbuild nor our sources and lock file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The name in package.json that marks this package's root, wherever it is installed. */
const packageName = 'webhook-ingestion';

/**
 * The folder of the prebuilt bundle `dist/lambda/<folder>` (its `index.mjs`), for
 * `lambda.Code.fromAsset`. This module runs from infra/ (source, tests), dist/ or a chunk under
 * dist/, in the repository or under a user's node_modules/webhook-ingestion: the root is the
 * nearest folder above it whose package.json is this package's, whatever the depth.
 * @param what the function, in words, for the error that names a missing bundle
 */
export function lambdaBundleDirectory(folder: string, what: string): string {
  const root = packageRoot();
  const assetDirectory = join(root, 'dist', 'lambda', folder);
  if (!existsSync(join(assetDirectory, 'index.mjs'))) {
    throw new Error(
      `${what}'s bundle ${join(assetDirectory, 'index.mjs')} is missing: run \`npm run build\` in ${root}`,
    );
  }
  return assetDirectory;
}

/**
 * This package's root: the nearest folder above this module whose package.json is this
 * package's. The bundles are under its dist/lambda, each with the inventory of the npm packages
 * it holds beside it (`<folder>.packages.json`).
 */
export function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isPackageRoot(dir)) return dir;
    if (dirname(dir) === dir) {
      throw new Error(`no package.json named ${packageName} in ${start} or above`);
    }
  }
}

function isPackageRoot(dir: string): boolean {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === packageName;
}
