/**
 * The results of a test run, handed to the report with `--test-results FILE`: vitest's JSON
 * report (`npx vitest run --reporter=json --outputFile=FILE`). Without it the report says the
 * tests were not run with it; it never claims a test ran that it has no result for.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import type { TestReference } from '../controls.ts';
import { InvalidTestResultsError } from './errors.ts';
import { isRecord } from './template.ts';

/** One test's result: its file relative to the project root, its title, its status. */
export interface TestResult {
  readonly file: string;
  readonly title: string;
  readonly status: string;
}

export interface TestResults {
  /** The file the results were read from, as given. */
  readonly source: string;
  /** When the run started (ISO 8601). */
  readonly ranAt: string;
  readonly results: readonly TestResult[];
}

/** How a cited test fared in the results. */
export type TestOutcome = 'passed' | 'failed' | 'skipped' | 'not in the results';

/** Reads vitest's JSON report; InvalidTestResultsError when it is not one. */
export async function readTestResults(path: string, projectRoot: string): Promise<TestResults> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not JSON' : 'not readable';
    throw new InvalidTestResultsError(`--test-results ${path} is ${why}`, { cause: error });
  }
  return parseTestResults(document, path, projectRoot);
}

/** The results a vitest (or Jest-compatible) JSON report holds. */
export function parseTestResults(
  document: unknown,
  source: string,
  projectRoot: string,
): TestResults {
  if (!isRecord(document) || !Array.isArray(document.testResults)) {
    throw new InvalidTestResultsError(
      `--test-results ${source} is not a vitest JSON report (no testResults)`,
    );
  }
  const startTime = typeof document.startTime === 'number' ? document.startTime : Number.NaN;
  if (!Number.isFinite(startTime)) {
    throw new InvalidTestResultsError(`--test-results ${source} has no startTime`);
  }
  const results = document.testResults.flatMap((file: unknown): TestResult[] => {
    if (!isRecord(file) || typeof file.name !== 'string' || !Array.isArray(file.assertionResults)) {
      return [];
    }
    const name = file.name;
    const at = isAbsolute(name) ? relative(projectRoot, name) : name;
    return file.assertionResults.flatMap((test: unknown) =>
      isRecord(test) && typeof test.title === 'string' && typeof test.status === 'string'
        ? [{ file: at.split('\\').join('/'), title: test.title, status: test.status }]
        : [],
    );
  });
  return { source, ranAt: new Date(startTime).toISOString(), results };
}

/**
 * How the cited test fared: every result with its title (a `…` in the catalogue stands for a
 * computed part) in its file, or, for a shared file of tests, in a test file beside it (the
 * deployment checks run once per configuration). Failed if any failed; passed if all passed.
 */
export function testOutcome(results: TestResults, test: TestReference): TestOutcome {
  const title = new RegExp(
    `^${test.name
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+')}$`,
  );
  const inFile = (file: string) =>
    test.file.endsWith('.test.ts') ? file === test.file : dirname(file) === dirname(test.file);
  const matching = results.results.filter((r) => inFile(r.file) && title.test(r.title));
  if (matching.length === 0) return 'not in the results';
  if (matching.some((r) => r.status === 'failed')) return 'failed';
  if (matching.every((r) => r.status === 'passed')) return 'passed';
  return 'skipped';
}
