/**
 * cfn-lint (AWS's own template rules) on synthesized templates, as `npm run lint:templates`
 * runs it on the stock app: through scripts/lint-templates.mjs, so that the same rules are
 * allowed for the same reasons. A test file lints all its templates in one run: cfn-lint
 * spends some 3 s starting and about 1.5 s a template, so one run per template would cost the
 * suite minutes.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Template } from 'aws-cdk-lib/assertions';

// Plain ESM without declarations (tsconfig has no allowJs): imported by URL, typed here.
const { summaryLine } = (await import(
  pathToFileURL(resolve(import.meta.dirname, '../../scripts/lint-templates-rules.mjs')).href
)) as {
  summaryLine(templates: number, failures: number, allowedCounts: Record<string, number>): string;
};

/**
 * Whether cfn-lint is on this machine's PATH (CI has it: there its tests run regardless).
 * Looked up rather than run, as every file importing this would otherwise start Python.
 */
export const hasCfnLint = (process.env.PATH ?? '').split(delimiter).some((folder) => {
  try {
    accessSync(join(folder, 'cfn-lint'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

export interface CfnLintRun {
  readonly status: number | null;
  /** What the script printed: a line per finding naming its template, then the count. */
  readonly output: string;
}

/**
 * cfn-lint on every template given, by name, in one run.
 * @example
 * const run = cfnLint({ 'key-guard': template });
 * expect(run.output).toContain('cfn-lint: 1 template, 0 findings');
 */
export function cfnLint(templates: Readonly<Record<string, Template>>): CfnLintRun {
  const folder = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  const files = Object.entries(templates).map(([name, template]) => {
    const file = join(folder, `${name}.template.json`);
    writeFileSync(file, JSON.stringify(template.toJSON()));
    return file;
  });
  const run = spawnSync('node', ['scripts/lint-templates.mjs', '--templates', ...files], {
    encoding: 'utf8',
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

/**
 * The closing line of a clean run over `count` templates, as the script prints it, up to the
 * count of allowed rules that may follow.
 */
export function cleanRun(count: number): string {
  return summaryLine(count, 0, {});
}
