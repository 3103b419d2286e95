// Bundles the entry points with esbuild: the CLI bin, the local launcher, the benchmark, the cost
// tool, the CDK app with its all-profiles synth and the compliance doc writer (aws-cdk-lib,
// constructs and cdk-nag stay external), and the README walk that .ci/run runs.
// `node scripts/build.mjs` builds all of them; `node scripts/build.mjs webhooks` only those named;
// `--outdir DIR` writes them elsewhere than dist/ (the build's own test does).
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const allEntryPoints = {
  webhooks: 'cli/main.ts',
  start: 'local/start.ts',
  bench: 'bench/verify.bench.ts',
  cost: 'bench/cost/main.ts',
  'infra-app': 'infra/app.ts',
  'synth-profiles': 'infra/synth-profiles.ts',
  'compliance-doc': 'compliance/write-compliance-doc.ts',
  'readme-walk': 'scripts/readme-walk/walk.ts',
};

const {
  values: { outdir = 'dist' },
  positionals: names,
} = parseArgs({ options: { outdir: { type: 'string' } }, allowPositionals: true });
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
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node22',
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

// esbuild writes files 0644. The entries are run as programs (the `webhooks` bin through npx,
// `npm start`), and npx sets the execute bit only on the first link it makes for a folder: a
// rebuild, or a fresh clone where one was before, would leave `npx webhooks` denied.
await Promise.all(
  Object.keys(entryPoints).map((name) => chmod(join(outdir, `${name}.mjs`), 0o755)),
);
