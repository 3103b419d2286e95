/**
 * The report's section on AWS's own rules (rule-findings.ts): a count of verdicts per rule set,
 * then each rule set's run, its findings with their verdicts and reasons, what it fixed, and
 * what ran and found nothing.
 */
import { type Block, heading, type Inline, list, paragraph, type Text, table } from './blocks.ts';
import type { ComplianceReport } from './report.ts';
import {
  type RuleFindings,
  type RuleFindingVerdict,
  type RuleSetFindings,
  ruleFindingsOf,
  ruleFindingVerdicts,
} from './rule-findings.ts';

/** The blocks of this section (blocks.ts). */
export type RuleFindingBlock = Block;

export const verdictLabels: Readonly<Record<RuleFindingVerdict | 'fixed', string>> = {
  fixed: 'fixed',
  false_positive: 'false positive',
  accepted: 'accepted',
  open: 'open',
};

const countKeys = ['fixed', ...ruleFindingVerdicts] as const;

/**
 * The section, from the report's rule findings; a report made before they were gathered has
 * them worked out from its acknowledgements and cdk-nag results alone (cfn-guard's report and
 * cfn-lint then said not read).
 */
export function ruleFindingBlocks(
  report: ComplianceReport & { readonly ruleFindings?: RuleFindings },
): RuleFindingBlock[] {
  const findings =
    report.ruleFindings ??
    ruleFindingsOf({
      acknowledgements: report.acknowledgements,
      acknowledgementsKnown: report.acknowledgementsKnown,
      nag: report.nag,
      configRules: report.configRules,
    });
  return [
    heading(2, "Findings of AWS's rules"),
    paragraph(
      "The rules AWS publishes for CloudFormation templates, run on this one: AWS Control Tower's proactive controls (the cfn-guard rules a Control Tower hook enforces at deploy), the cdk-nag packs that encode AWS's guidance (AWS Solutions, HIPAA, PCI DSS, NIST 800-53, Serverless), cfn-lint, and the AWS Config managed rules the stack deploys. Each finding has a verdict: fixed (reported before, the template changed, and this template's run confirms it passes, with the test that keeps it so), false positive (the rule misreads the resource, or asks for what cannot exist or take effect on it), accepted (the finding is true; the reason says why its risk is accepted and what compensates), or open (nobody acknowledged it: the report fails).",
    ),
    table(
      ['Rule set', 'Run', ...countKeys.map((key) => capitalise(verdictLabels[key]))],
      [
        ...findings.ruleSets.map((set): Text[] => [
          set.name,
          runLabel(set),
          ...countKeys.map((key) => String(set.counts[key])),
        ]),
        [
          { strong: 'Total' },
          '',
          ...countKeys.map((key): Text => ({ strong: String(findings.totals[key]) })),
        ],
      ],
    ),
    ...findings.ruleSets.flatMap(ruleSetBlocks),
  ];
}

const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

function runLabel(set: RuleSetFindings): string {
  switch (set.run.status) {
    case 'ran':
      return 'ran';
    case 'not-run':
      return 'not run';
    case 'deployed':
      return 'deployed to the account';
  }
}

function runText(set: RuleSetFindings): Text {
  switch (set.run.status) {
    case 'ran':
      return [{ strong: 'Ran' }, `: ${set.run.how}.`];
    case 'not-run':
      return [{ strong: 'Not run' }, `: ${set.run.reason}.`];
    case 'deployed':
      return [{ strong: 'Deployed' }, `: ${set.run.how}.`];
  }
}

function ruleSetBlocks(set: RuleSetFindings): RuleFindingBlock[] {
  const counts = ruleFindingVerdicts
    .filter((verdict) => set.counts[verdict] > 0)
    .map((verdict) => `${verdictLabels[verdict]} ${set.counts[verdict]}`);
  return [
    heading(3, set.name),
    paragraph(runText(set)),
    ...(set.findings.length === 0
      ? [paragraph(set.run.status === 'ran' ? 'No finding on this template.' : 'No finding known.')]
      : [
          paragraph(
            set.findingsKnown
              ? `Findings on this template, by verdict: ${counts.join(', ')}.`
              : `Which of these apply to this template is not known (no cloud assembly), so every acknowledgement that may apply is listed, by verdict: ${counts.join(', ')}.`,
          ),
          table(
            ['Rule', 'Resources', 'Verdict', 'Reason'],
            set.findings.map((finding): Text[] => [
              { code: finding.rule },
              finding.resources.length === 0
                ? finding.condition === undefined
                  ? '—'
                  : `(${finding.condition})`
                : finding.resources.flatMap((resource, i): Inline[] =>
                    i === 0 ? [{ code: resource }] : [', ', { code: resource }],
                  ),
              { strong: verdictLabels[finding.verdict] },
              finding.reason,
            ]),
          ),
        ]),
    ...fixedBlocks(set),
    ...(set.noFinding === null || set.noFinding.length === 0
      ? []
      : [
          paragraph(
            `Ran on resources they apply to and found nothing (${set.noFinding.length} rules; not known to have found anything before, so not called fixed):`,
          ),
          list(set.noFinding.map((rule): Text => [{ code: rule.rule }, ` (${rule.note})`])),
        ]),
  ];
}

function fixedBlocks(set: RuleSetFindings): RuleFindingBlock[] {
  if (set.fixed.length === 0) return [];
  return [
    paragraph('Found before and fixed in the template:'),
    list(
      set.fixed.map((rule): Text => {
        const here =
          rule.here.status === 'passes'
            ? `fixed: passes here on ${rule.here.resources} ${rule.here.resources === 1 ? 'resource' : 'resources'}`
            : rule.here.status === 'not-applicable'
              ? 'no resource here it applies to'
              : `not confirmed on this template: ${rule.here.reason}`;
        return [
          { code: rule.rule },
          ` (${rule.control}), ${here}. ${rule.change} Kept by `,
          { code: rule.provedBy.file },
          ` — “${rule.provedBy.test}”.`,
        ];
      }),
    ),
  ];
}
