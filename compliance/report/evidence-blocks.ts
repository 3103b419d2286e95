/**
 * The evidence levels as the report lays them out (evidence-levels.ts): the result line of the
 * header, the reading guide's words for each level, and under each control what backs it:
 * the template, the live reading with its times, the latest scheduled self-audit run, and the
 * tests with whether they ran.
 */
import { type Block, list, paragraph, type Text } from './blocks.ts';
import type { ComplianceReport, ReportControl } from './report.ts';
import { levelBasis } from './verdict.ts';

/** The header's result: failing controls, else the weakest level and how many are at it. */
export function resultText(report: ComplianceReport): Text {
  const { controls, evidence, failedControls } = report.summary;
  if (controls.total === 0) return 'no control applies';
  if (controls.failed > 0) {
    return [
      { level: 'fail' },
      `: ${controls.failed} of ${controls.total} controls fail: ${failedControls.join('; ')}`,
    ];
  }
  const weakest = evidence.weakest;
  if (weakest === null) return 'no control applies';
  const levels = evidence.levels;
  return [
    'Weakest evidence: ',
    { level: weakest.level },
    ` (${levelBasis[weakest.level]}) — ${weakest.controls} of ${controls.total} controls. No control fails; ${levels.operating} operating, ${levels['in place']} in place, ${levels.configured} configured.`,
  ];
}

/** What each level means, for the reading guide. */
export function levelGuide(): Text[] {
  return [
    [
      { level: 'configured' },
      ': every setting the control depends on is present in the template. This is what was asked for, not what runs: never a pass on its own.',
    ],
    [
      { level: 'in place' },
      ': the live mode (--stack) read each deployed setting the control cites, and each agrees with the template; every reading carries the time it was made.',
    ],
    [
      { level: 'operating' },
      ': in place, and shown working: the latest scheduled self-audit run (which runs these checks against the deployed stack) passed, or every test cited under “Proved by” passed in the test results handed to the report (--test-results).',
    ],
    [
      { level: 'fail' },
      ': a setting is missing, or the live stack contradicts the template; the problems are listed under the control.',
    ],
  ];
}

/** Under a control: what backs it at each level. */
export function controlEvidenceBlocks(control: ReportControl): Block[] {
  const { evidence } = control;
  return [
    paragraph([{ strong: 'Evidence:' }, ' ', { level: evidence.level }]),
    list([
      `Configured: ${evidence.configured ? 'the template sets every setting the control depends on' : 'no: the template lacks a setting (see the problems below)'}.`,
      `In place: ${inPlaceText(evidence.inPlace)}.`,
      `Operating (self-audit): ${selfAuditText(evidence.selfAudit)}.`,
    ]),
  ];
}

/** The “Proved by” list: each test, and whether it ran with this report. */
export function provedByBlocks(control: ReportControl): Block[] {
  const { tests } = control.evidence;
  const header =
    tests.status === 'ran'
      ? `Proved by (results of ${tests.source}, run ${tests.ranAt}):`
      : `Proved by (${tests.reason}: the tests named below exist in the repository; this report does not show that they ran):`;
  const outcomeOf = (file: string, name: string) =>
    tests.status === 'ran'
      ? (tests.tests.find((test) => test.file === file && test.name === name)?.outcome ??
        'not in the results')
      : undefined;
  return [
    paragraph({ strong: header }),
    list(
      control.tests.map((test): Text => {
        const outcome = outcomeOf(test.file, test.name);
        return [
          { code: test.file },
          ` — “${test.name}”`,
          ...(outcome === undefined ? [] : [`: ${outcome}`]),
        ];
      }),
    ),
  ];
}

function inPlaceText(inPlace: ReportControl['evidence']['inPlace']): string {
  if (inPlace.status === 'not-read') return `not shown (${inPlace.reason})`;
  const when =
    inPlace.readBetween === undefined
      ? ''
      : inPlace.readBetween.first === inPlace.readBetween.last
        ? `, read ${inPlace.readBetween.first}`
        : `, read between ${inPlace.readBetween.first} and ${inPlace.readBetween.last}`;
  const counts = `${inPlace.agrees} of ${inPlace.rows} deployed settings agree with the template${inPlace.differs === 0 ? '' : `, ${inPlace.differs} differ`}${when}`;
  if (inPlace.notRead.length === 0)
    return inPlace.agrees > 0 ? `yes: ${counts}` : 'not shown: no deployed setting was read';
  return `not shown: ${counts}; not checked: ${inPlace.notRead.join('; ')}`;
}

function selfAuditText(selfAudit: ReportControl['evidence']['selfAudit']): string {
  switch (selfAudit.status) {
    case 'not-read':
      return `not read (${selfAudit.reason})`;
    case 'no-run':
      return 'no scheduled run of the self-audit is recorded';
    case 'ran':
      return `the latest scheduled run, ${selfAudit.startedAt}, ${selfAudit.result === 'passed' ? 'passed' : selfAudit.result === 'failed' ? 'failed' : 'could not run'} its ${selfAudit.check} check`;
  }
}
