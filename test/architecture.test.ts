/**
 * The layout's import rules (.dependency-cruiser.json, explained in docs/architecture.md) hold
 * over the whole tree, and the ingest Lambda's bundle holds only functions/ code and no signer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const folders = [
  'functions',
  'consumer',
  'ops',
  'scheduled',
  'compliance',
  'cli',
  'infra',
  'local',
  'bench',
  'scripts',
  'test',
];

describe('the import rules', () => {
  it('hold for every module: no circles, and each folder imports only what it may', async () => {
    const rules = JSON.parse(readFileSync('.dependency-cruiser.json', 'utf8'));
    const { output } = await cruise(folders, { validate: true, ruleSet: rules, ...rules.options });
    const violations = (output as ICruiseResult).summary.violations.map((violation) =>
      violation.cycle === undefined
        ? `${violation.rule.name}: ${violation.from} → ${violation.to}`
        : `${violation.rule.name}: ${[violation.from, ...violation.cycle.map(({ name }) => name)].join(' → ')}`,
    );
    expect(violations).toEqual([]);
  }, 60_000);

  it('are checked: a circle between two modules is reported', async () => {
    const rules = JSON.parse(readFileSync('.dependency-cruiser.json', 'utf8'));
    const { output } = await cruise(['test/fixtures/import-circle'], {
      validate: true,
      ruleSet: rules,
      ...rules.options,
      // The fixture lives where the tree's own check does not look.
      exclude: { path: 'node_modules' },
    });
    const names = (output as ICruiseResult).summary.violations.map(({ rule }) => rule.name);
    expect(names).toContain('no-circular');
  });
});

describe('the ingest Lambda bundle', () => {
  it('is built from functions/ alone, with no signer in it', async () => {
    const { metafile } = await build({
      entryPoints: ['functions/ingest/handler.ts'],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((input) => !input.startsWith('functions/'))).toEqual([]);
    expect(inputs.filter((input) => input.endsWith('.sign.ts'))).toEqual([]);
    expect(inputs).toContain('functions/verify/schemes/stripe.ts');
  });
});

describe('the self-audit Lambda bundle', () => {
  it('holds no aws-cdk-lib, constructs or cdk-nag module, and no CLI, CDK app or local code', async () => {
    // Bundled as the construct deploys it: every dependency inside, so a CDK import would show.
    const { metafile } = await build({
      entryPoints: ['scheduled/self-audit/handler.ts'],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const inputs = Object.keys(metafile.inputs);
    expect(
      inputs.filter((input) => /node_modules\/(aws-cdk-lib|constructs|cdk-nag)\//.test(input)),
    ).toEqual([]);
    expect(
      inputs.filter((input) => /^(cli|local|consumer|bench|scripts|test)\//.test(input)),
    ).toEqual([]);
    // The compliance report's rules and live reader are in it: one implementation, two callers.
    expect(inputs).toContain('compliance/report/control-result.ts');
    expect(inputs).toContain('compliance/report/live.ts');
    expect(inputs).toContain('ops/review/run-store.ts');
  }, 60_000);
});

/** Relative paths in string literals (dot-dot segments first) that climb out of `root` from `file`'s folder. */
function pathsLeaving(root: string, file: string, source: string): string[] {
  const literal = /(['"`])((?:\.\.\/)+[^'"`\n]*)\1/g;
  return [...source.matchAll(literal)]
    .map((match) => match[2] as string)
    .filter((path) => relative(root, resolve(dirname(file), path)).startsWith('..'));
}

describe('the repository', () => {
  const root = process.cwd();

  it('stands alone: no code or test names a relative path that leaves it', () => {
    const sources = folders.flatMap((folder) =>
      readdirSync(folder, { recursive: true, encoding: 'utf8' })
        .filter((name) => /\.(ts|mjs)$/.test(name) && !name.startsWith('fixtures/'))
        .map((name) => join(root, folder, name)),
    );
    expect(sources.length).toBeGreaterThan(300);
    const leaving = sources.flatMap((file) =>
      pathsLeaving(root, file, readFileSync(file, 'utf8')).map((path) => `${file}: ${path}`),
    );
    expect(leaving).toEqual([]);
  });

  it('would see a read of a folder beside it, and not one inside it', () => {
    const file = join(root, 'test', 'vectors.ts');
    // Built, not written out, so that this file does not hold the very path it tests for.
    const beside = `${'../'.repeat(2)}vectors/official.json`;
    const source = `readFileSync(new URL('${beside}', import.meta.url))`;
    expect(pathsLeaving(root, file, source)).toEqual([beside]);
    expect(pathsLeaving(root, file, "new URL('../fixtures/a.json', import.meta.url)")).toEqual([]);
  });
});
