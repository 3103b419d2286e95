/**
 * Conformance: 161 signed requests captured from third-party test suites and receivers
 * (test/fixtures/vectors/captured/SOURCES.md says where each came from), run through the same
 * code path as `webhooks verify --cases`, so the CLI's parsing of a case is exercised too.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, jsonLines } from '../cli/helpers.ts';

/** One line of captured.jsonl, in the corpus's own (neutral) format. */
interface CapturedCase {
  readonly id: string;
  readonly scheme: string;
  readonly secrets: readonly string[];
  readonly publicKeys: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyBase64: string;
  readonly url: string;
  readonly method: string;
  readonly now: number;
  readonly options: Readonly<Record<string, string>>;
  readonly expect: 'accept' | 'reject';
  readonly why: string;
}

// Next to the test: the corpus is a copy this repository owns, never read from outside it.
const fixture = new URL('../fixtures/vectors/captured/captured.jsonl', import.meta.url);
// A cast, not a validation: the CLI validates every field of the translated line, and a
// malformed case comes back as `invalid_case`, which no `expect` matches.
const captured = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as CapturedCase);

const ADYEN_VARIANTS = new Map([
  ['item', 'notification'],
  ['banking', 'banking'],
]);

/**
 * The corpus names options neutrally; the project's names differ:
 * - github `algorithms=sha1,sha256` → `allowSha1=true` (sha256 is always on);
 * - hubspot `versions=v1,v2,v3` → `allowV1=true`, `allowV2=true` (v3 is always on);
 * - adyen `variant=item` → `variant=notification` (`banking` is the same in both);
 * - square `notificationUrl` is the same in both.
 * Anything else throws, so a new option fails the file loudly instead of being dropped.
 */
function projectOptions({ id, scheme, options }: CapturedCase): Record<string, string> {
  const mapped: Record<string, string> = {};
  const unmappable = (name: string, value: string) =>
    new Error(`${id}: no project option for ${scheme} ${name}=${value}`);
  for (const [name, value] of Object.entries(options)) {
    const list = value.split(',');
    if (scheme === 'github' && name === 'algorithms') {
      // The project cannot turn sha256 off, nor enable anything but sha1 besides it.
      if (!list.includes('sha256') || list.some((a) => a !== 'sha1' && a !== 'sha256')) {
        throw unmappable(name, value);
      }
      if (list.includes('sha1')) mapped.allowSha1 = 'true';
    } else if (scheme === 'hubspot' && name === 'versions') {
      if (!list.includes('v3') || list.some((v) => !['v1', 'v2', 'v3'].includes(v))) {
        throw unmappable(name, value);
      }
      if (list.includes('v1')) mapped.allowV1 = 'true';
      if (list.includes('v2')) mapped.allowV2 = 'true';
    } else if (scheme === 'adyen' && name === 'variant') {
      const variant = ADYEN_VARIANTS.get(value);
      if (variant === undefined) throw unmappable(name, value);
      mapped.variant = variant;
    } else if (scheme === 'square' && name === 'notificationUrl') {
      mapped.notificationUrl = value;
    } else {
      throw unmappable(name, value);
    }
  }
  return mapped;
}

/** A captured case as a `--cases` line (cli/parse.ts `parseCaseLine`). */
const toCaseLine = (c: CapturedCase) =>
  JSON.stringify({
    scheme: c.scheme,
    secrets: c.secrets,
    publicKeys: c.publicKeys,
    headers: c.headers,
    body: c.bodyBase64,
    url: c.url,
    method: c.method,
    now: c.now,
    options: projectOptions(c),
  });

describe('captured corpus through `webhooks verify --cases`', () => {
  it('holds the whole corpus: 161 cases, 67 accept / 94 reject, 23 schemes', () => {
    const count = (verdict: string) => captured.filter((c) => c.expect === verdict).length;
    expect(captured).toHaveLength(161);
    expect([count('accept'), count('reject')]).toEqual([67, 94]);
    expect(new Set(captured.map((c) => c.scheme)).size).toBe(23);
    // Each test and failure is named by id, so an id must point at exactly one case.
    expect(new Set(captured.map((c) => c.id)).size).toBe(161);
  });

  // Output line N is the verdict for input line N; no blank lines are sent, so N = index + 1.
  let verdicts: Record<string, unknown>[] = [];
  beforeAll(async () => {
    // All cases in one run, as an operator would: one CLI invocation, the lines on stdin.
    const run = await cli(['verify', '--cases', '-'], captured.map(toCaseLine).join('\n'));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    verdicts = jsonLines(run.stdout);
    expect(verdicts.map((v) => v.line)).toEqual(captured.map((_, index) => index + 1));
  });

  it.each(captured.map((c, index) => ({ ...c, index })))('$id: $expect', (c) => {
    const verdict = verdicts[c.index];
    const said = verdict?.accepted
      ? 'accepted'
      : `rejected: ${String(verdict?.reason)} (${String(verdict?.detail)})`;
    // A line the CLI refused to check would "pass" as a reject while proving nothing.
    expect(['invalid_case', 'error'], `${c.id}: verifier ${said}`).not.toContain(verdict?.reason);
    expect(verdict?.accepted ? 'accept' : 'reject', `${c.id}: ${c.why}; verifier ${said}`).toBe(
      c.expect,
    );
  });
});
