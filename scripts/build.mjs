// Bundles the entry points with esbuild: the CLI bin, the local launcher, the benchmark, and
// the CDK app with its all-profiles synth and the compliance doc writer (aws-cdk-lib,
// constructs and cdk-nag stay external).
// `node scripts/build.mjs` builds all of them; `node scripts/build.mjs webhooks` only those named.
import { build } from 'esbuild';

const allEntryPoints = {
  webhooks: 'cli/main.ts',
  start: 'local/start.ts',
  bench: 'bench/verify.bench.ts',
  'infra-app': 'infra/app.ts',
  'synth-profiles': 'infra/synth-profiles.ts',
  'compliance-doc': 'infra/write-compliance-doc.ts',
};

const names = process.argv.slice(2);
const unknown = names.filter((name) => !Object.hasOwn(allEntryPoints, name));
if (unknown.length > 0) {
  console.error(
    `unknown entry point: ${unknown.join(', ')} (known: ${Object.keys(allEntryPoints).join(', ')})`,
  );
  process.exit(2);
}
const entryPoints =
  names.length === 0
    ? allEntryPoints
    : Object.fromEntries(names.map((name) => [name, allEntryPoints[name]]));

await build({
  entryPoints,
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  // Shared and lazily imported code in chunks of its own: without it, esbuild hoists every
  // dynamic import into the entry, and `webhooks schemes` would load aws-cdk-lib and cdk-nag
  // (what `compliance report` needs) on every start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
});
