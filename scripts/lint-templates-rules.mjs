// What `npm run lint:templates` decides, apart from running anything: which cfn-lint findings are
// allowed, how the rest are printed, what a cfn-lint run's exit status and output mean, and what
// to do where cfn-lint is not installed. Pure functions, so that the test checks each decision
// without a synthesis or cfn-lint (scripts/lint-templates.mjs runs them).

/** Rule ids cfn-lint may report without failing the lint, each with why it is harmless. */
export const allowedRules = {
  W3005:
    "CDK makes a Lambda function DependsOn its role, which the function's Role already names by Fn::GetAtt: a redundant edge, the same creation order either way",
};

export const installHint = 'install it with `pip install cfn-lint` (or `pipx install cfn-lint`)';

/**
 * The CI environment variable as CI systems set it (`true`, `1`); unset, empty, `0` and `false`
 * are a developer's machine.
 * @param {string | undefined} value
 */
export function isCi(value) {
  return value !== undefined && !['', '0', 'false'].includes(value.trim().toLowerCase());
}

/**
 * Where `cfn-lint` is not on PATH: in CI the lint fails, elsewhere it is skipped.
 * @param {{ ci: boolean }} options
 * @returns {{ exitCode: number, message: string }}
 */
export function missingCfnLint({ ci }) {
  return ci
    ? {
        exitCode: 1,
        message: `cfn-lint: not found on PATH; CI=true needs it: ${installHint}`,
      }
    : {
        exitCode: 0,
        message: `cfn-lint: not found on PATH, templates not linted (skipped); ${installHint}`,
      };
}

/**
 * Whether a run of `cfn-lint --version` (or the lint itself) failed to start because there is no
 * cfn-lint: the program is not on PATH (ENOENT), or it is a shim (pyenv, asdf) that exits 127 as
 * the shell does for a command not found.
 * @param {{ error?: (Error & { code?: string }) | undefined, status: number | null }} run
 */
export function cfnLintIsMissing({ error, status }) {
  return error?.code === 'ENOENT' || (error === undefined && status === 127);
}

/**
 * The findings of one `cfn-lint --format json` run. Its exit status is a bitmask of the levels it
 * found (2 error, 4 warning, 8 informational), and the findings are the JSON array it prints;
 * any other status, or output that is not that array, is cfn-lint itself failing.
 * @param {{ status: number | null, stdout: string, stderr: string }} run
 * @returns {Finding[]}
 */
export function parseCfnLintRun({ status, stdout, stderr }) {
  const failed = (why) =>
    new Error(`cfn-lint failed (${why})${stderr.trim() === '' ? '' : `:\n${stderr.trim()}`}`);
  if (status === null || (status & ~(2 | 4 | 8)) !== 0) {
    throw failed(`exit status ${status}`);
  }
  let findings;
  try {
    findings = JSON.parse(stdout);
  } catch {
    throw failed(`its output is not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  if (!Array.isArray(findings)) throw failed('its JSON output is not a list of findings');
  if (status !== 0 && findings.length === 0) {
    throw failed(`exit status ${status} with no findings`);
  }
  return findings;
}

/**
 * @typedef {{
 *   Filename: string | null,
 *   Level: string,
 *   Message: string,
 *   Rule: { Id: string },
 *   Location?: { Path?: (string | number)[] | null, Start?: { LineNumber: number } } | null,
 * }} Finding
 */

/**
 * The findings that fail the lint, and how many of each allowed rule were let through.
 * @param {Finding[]} findings
 * @param {Record<string, string>} [allowed]
 * @returns {{ failures: Finding[], allowedCounts: Record<string, number> }}
 */
export function classifyFindings(findings, allowed = allowedRules) {
  const failures = [];
  /** @type {Record<string, number>} */
  const allowedCounts = Object.fromEntries(Object.keys(allowed).map((rule) => [rule, 0]));
  for (const finding of findings) {
    const rule = finding.Rule.Id;
    if (Object.hasOwn(allowed, rule)) {
      allowedCounts[rule] = (allowedCounts[rule] ?? 0) + 1;
    } else {
      failures.push(finding);
    }
  }
  return { failures, allowedCounts };
}

/**
 * One failing finding, as `template: rule path message`; a finding with no path in the template
 * (a parse error) gives its line instead, one with no template (a configuration error) `cfn-lint`.
 * @param {Finding} finding
 */
export function formatFinding(finding) {
  const path = finding.Location?.Path;
  const where =
    path && path.length > 0
      ? path.join('/')
      : finding.Location?.Start
        ? `line ${finding.Location.Start.LineNumber}`
        : '-';
  const message = finding.Message.replace(/\s*\n\s*/g, ' ');
  return `${finding.Filename ?? 'cfn-lint'}: ${finding.Rule.Id} ${where} ${message}`;
}

/**
 * The closing line, e.g. `cfn-lint: 6 templates, 0 findings (9 W3005 allowed)`.
 * @param {number} templates
 * @param {number} failures
 * @param {Record<string, number>} allowedCounts
 */
export function summaryLine(templates, failures, allowedCounts) {
  const plural = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  const allowed = Object.entries(allowedCounts)
    .map(([rule, count]) => `${count} ${rule}`)
    .join(', ');
  return `cfn-lint: ${plural(templates, 'template')}, ${plural(failures, 'finding')}${
    allowed === '' ? '' : ` (${allowed} allowed)`
  }`;
}
