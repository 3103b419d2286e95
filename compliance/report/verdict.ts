/**
 * The report's overall word, as the header and the CLI's last line say it: no PASS for a whole
 * report, since what a template shows is only that a setting is asked for. The weakest level
 * among the controls is named, with how many controls are at it, so a report whose controls
 * are all `configured` says exactly that.
 */
import type { EvidenceLevel } from './evidence-levels.ts';
import type { ComplianceReport } from './report.ts';

/** What backs a control at each level, in a reader's words. */
export const levelBasis: Readonly<Record<EvidenceLevel, string>> = {
  fail: 'a setting is missing, or the live stack contradicts the template',
  configured: 'template only',
  'in place': 'read from the deployed stack',
  operating: 'in place, and a passing self-audit run or test results show it working',
};

/** `configured (template only)`: a level with what backs it. */
export const levelMeaning = (level: EvidenceLevel): string =>
  `${level === 'fail' ? 'FAIL' : level} (${levelBasis[level]})`;

/** `FAIL: …` or `no control fails; weakest evidence: …`, one line. */
export function verdictLine(report: ComplianceReport): string {
  const { controls, evidence } = report.summary;
  if (controls.total === 0) return 'no control applies';
  const weakest = evidence.weakest;
  const weakestText =
    weakest === null
      ? ''
      : `weakest evidence: ${levelMeaning(weakest.level)}, ${weakest.controls} of ${controls.total} controls`;
  if (controls.failed > 0) {
    return `FAIL: ${controls.failed} of ${controls.total} controls fail (${report.summary.failedControls.join('; ')})`;
  }
  return `no control fails; ${weakestText}`;
}
