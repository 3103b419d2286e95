// Bundles the entry points with esbuild: the CLI bin, the local launcher and the benchmark.
import { build } from 'esbuild';

const entryPoints = {
  webhooks: 'cli/main.ts',
  start: 'local/start.ts',
  bench: 'bench/verify.bench.ts',
};

await build({
  entryPoints,
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
});
