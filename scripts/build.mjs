// Bundles the entry points with esbuild: the CLI bin, the local launcher, the benchmark, the cost
// tool, the CDK app with its all-profiles synth, the compliance doc writer and the README walk
// that .ci/run runs (aws-cdk-lib, constructs and cdk-nag stay external); the package's library
// exports, `construct` and `consumer`, with their declarations under dist/types; and the Lambda
// bundles the construct deploys: the ingest function's (dist/lambda/ingest), the audit digest
// function's (dist/lambda/audit-digest), the source range refresher's (dist/lambda/source-ranges),
// the compliance profile guard's (dist/lambda/profile-guard) and the self-audit's
// (dist/lambda/self-audit).
// `node scripts/build.mjs` builds all of them; `node scripts/build.mjs webhooks` only those named;
// `--outdir DIR` writes them elsewhere than dist/ (the build's own test does).
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
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
  construct: 'infra/index.ts',
  consumer: 'consumer/index.ts',
};
/** Imported by a user's code, not run: no execute bit, and declarations beside them. */
const libraryEntries = ['construct', 'consumer'];
/**
 * The Lambda bundles, each built on its own as it runs alone in Lambda: its handler, its folder
 * under `<outdir>/lambda`, and the construct module that deploys it at synth time, so that
 * whatever reaches that module is built with the bundle.
 */
const lambdaBundles = {
  'lambda-ingest': {
    entry: 'functions/ingest/handler.ts',
    folder: 'ingest',
    deployedBy: 'infra/ingest-function.ts',
  },
  'lambda-audit-digest': {
    entry: 'scheduled/audit-digest.ts',
    folder: 'audit-digest',
    deployedBy: 'infra/audit-digests.ts',
  },
  'lambda-source-ranges': {
    entry: 'scheduled/source-ranges.ts',
    folder: 'source-ranges',
    deployedBy: 'infra/source-range-refresher.ts',
  },
  'lambda-profile-guard': {
    entry: 'functions/profile-guard/handler.ts',
    folder: 'profile-guard',
    deployedBy: 'infra/profile-guard.ts',
  },
  'lambda-self-audit': {
    entry: 'scheduled/self-audit/handler.ts',
    folder: 'self-audit',
    deployedBy: 'infra/self-audit.ts',
  },
};
const lambdaNames = Object.keys(lambdaBundles);

const {
  values: { outdir = 'dist' },
  positionals: names,
} = parseArgs({ options: { outdir: { type: 'string' } }, allowPositionals: true });
const known = [...Object.keys(allEntryPoints), ...lambdaNames];
const unknown = names.filter((name) => !known.includes(name));
if (unknown.length > 0) {
  console.error(`unknown entry point: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  process.exit(2);
}
const entryPoints =
  names.length === 0
    ? allEntryPoints
    : Object.fromEntries(
        names
          .filter((name) => !lambdaNames.includes(name))
          .map((name) => [name, allEntryPoints[name]]),
      );
const entryNames = Object.keys(entryPoints);

// Files are written only when their content changed, each by a rename: two builds at once (the
// tests run several) then never leave a reader, such as a synth copying the Lambda's asset
// folder or `npm pack`, with half a file. The temporary files wait beside the output folder, on
// its file system but out of what is packed or deployed.
await mkdir(outdir, { recursive: true });
const staging = await mkdtemp(join(dirname(resolve(outdir)), `.${basename(outdir)}-staging-`));
let staged = 0;
try {
  // esbuild works in its own process: the declarations are emitted meanwhile.
  const bundles = entryNames.length === 0 ? undefined : bundleEntries();
  if (entryNames.some((name) => libraryEntries.includes(name))) await emitDeclarations();
  const bundled = await bundles;
  // The app, the CLI's `compliance report` and the construct synthesize the functions, which
  // deploy the prebuilt bundles: they are built with them, so that none is ever stale.
  const wanted = Object.entries(lambdaBundles).filter(
    ([name, { deployedBy }]) =>
      names.length === 0 || names.includes(name) || bundled?.includes(deployedBy),
  );
  await Promise.all(wanted.map(([, bundle]) => bundleLambda(bundle)));
} finally {
  await rm(staging, { recursive: true, force: true });
}

/** The programs and library entries, sharing chunks; resolves to the source files they hold. */
async function bundleEntries() {
  const { outputFiles, metafile } = await build({
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
    // Harmless on the library entries, which are imported and not run.
    banner: { js: '#!/usr/bin/env node' },
    write: false,
    metafile: true,
  });
  await Promise.all(outputFiles.map(({ path, contents }) => writeIfChanged(path, contents)));
  // esbuild's files are 0644. The programs are run as such (the `webhooks` bin through npx,
  // `npm start`), and npx sets the execute bit only on the first link it makes for a folder: a
  // rebuild, or a fresh clone where one was before, would leave `npx webhooks` denied.
  await Promise.all(
    entryNames
      .filter((name) => !libraryEntries.includes(name))
      .map((name) => chmod(join(outdir, `${name}.mjs`), 0o755)),
  );
  return Object.keys(metafile.inputs);
}

/**
 * A handler with every dependency inside (AWS SDK included, so that the versions tested are the
 * versions deployed), minified, names kept for error names in logs, as `<folder>/index.mjs`.
 * The banner gives CommonJS dependencies the `require` an ES module lacks.
 */
async function bundleLambda({ entry, folder }) {
  const { outputFiles, metafile } = await build({
    entryPoints: { index: entry },
    outdir: join(outdir, 'lambda', folder),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    keepNames: true,
    sourcemap: false,
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    write: false,
    metafile: true,
  });
  await Promise.all([
    ...outputFiles.map(({ path, contents }) => writeIfChanged(path, contents)),
    writeIfChanged(
      join(outdir, 'lambda', `${folder}.packages.json`),
      new TextEncoder().encode(`${JSON.stringify(bundledPackages(metafile), null, 2)}\n`),
    ),
  ]);
}

/**
 * The npm packages a bundle holds code of, by their folder under node_modules (a nested copy
 * under its own path), with what package-lock.json pins there (version, source, integrity,
 * licence; the lockfile is not in the published package): the inventory that
 * `webhooks compliance report` makes its software bill of materials from. Beside the bundle's
 * folder, not in it, so that it is not deployed.
 */
function bundledPackages(metafile) {
  const folders = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) folders.add(match[1]);
  }
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  return [...folders].sort().map((path) => {
    const locked = lock.packages?.[path];
    if (locked?.version === undefined) throw new Error(`${path} is not in package-lock.json`);
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const { version, resolved, integrity, license } = locked;
    return { name, version, path, resolved, integrity, license };
  });
}

/**
 * The library entries' declarations (tsconfig.types.json) under `<outdir>/types`, through the
 * TypeScript API for the same write as the bundles'. Type errors fail the build, as tsc's would.
 */
async function emitDeclarations() {
  const { default: ts } = await import('typescript');
  const host = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => fail([diagnostic]),
  };
  const config = ts.getParsedCommandLineOfConfigFile(
    'tsconfig.types.json',
    { outDir: resolve(outdir, 'types') },
    host,
  );
  if (config.errors.length > 0) fail(config.errors);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const writes = [];
  const { diagnostics } = program.emit(undefined, (path, text) => {
    writes.push(writeIfChanged(path, text));
  });
  const errors = [...ts.getPreEmitDiagnostics(program), ...diagnostics];
  if (errors.length > 0) fail(errors);
  await Promise.all(writes);

  function fail(errors) {
    const formatted = ts.formatDiagnosticsWithColorAndContext(errors, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => process.cwd(),
      getNewLine: () => '\n',
    });
    console.error(formatted);
    throw new Error(`tsc -p tsconfig.types.json: ${errors.length} error(s)`);
  }
}

/** Writes `contents` to `path` unless it already holds them, by a rename from `staging`. */
async function writeIfChanged(path, contents) {
  const bytes = typeof contents === 'string' ? Buffer.from(contents) : contents;
  const current = await readFile(path).catch(() => undefined);
  if (current?.equals(bytes)) return;
  const temporary = join(staging, String(staged++));
  await writeFile(temporary, bytes);
  await mkdir(dirname(path), { recursive: true });
  await rename(temporary, path);
}
