/**
 * AWS's own rules run on the template, rule set by rule set, each finding with its verdict:
 * `false_positive` or `accepted` as compliance/acknowledgements.ts says with its reason, `open`
 * when nobody acknowledged it (the report fails), and the findings the product fixed where this
 * template's run confirms them (rule-findings-fixed.ts). The rule sets: AWS Control Tower's
 * proactive controls (cfn-guard), each cdk-nag pack, cfn-lint, and the AWS Config managed rules
 * the stack deploys. Pure: what was run is read by rule-findings-evidence.ts and handed in.
 *
 * No import of report.ts: it calls this file, and dependency-cruiser refuses a circle.
 */

import {
  type AcknowledgementVerdict,
  acknowledgements,
  acknowledgementVerdicts,
} from '../acknowledgements.ts';
import { guardPluginName } from '../guard-rules.ts';
import type { AcknowledgementResult } from './acknowledgement-result.ts';
import type { NagResults } from './assembly.ts';
import { type FixedRule, fixedGuardRules } from './rule-findings-fixed.ts';

/** A finding's verdict: an acknowledgement's, or `open` when none answers it. */
export type RuleFindingVerdict = AcknowledgementVerdict | 'open';

/** Every verdict a finding may have, in the order the report counts them. */
export const ruleFindingVerdicts: readonly RuleFindingVerdict[] = [
  ...acknowledgementVerdicts,
  'open',
];

/** One rule's finding on one or more resources of this template. */
export interface RuleFinding {
  /** The rule's id as its rule set names it (a cfn-guard rule without the plugin's namespace). */
  readonly rule: string;
  /** Logical ids, or construct paths where a construct has no resource of its own. */
  readonly resources: readonly string[];
  readonly verdict: RuleFindingVerdict;
  /** The acknowledgement's reason; for an open finding, what the rule says is wrong. */
  readonly reason: string;
  /** The configuration the acknowledgement applies to. @default - every configuration */
  readonly condition?: string;
}

/** A fixed finding of rule-findings-fixed.ts, and what this template's run says of it. */
export interface FixedRuleResult extends FixedRule {
  readonly here:
    | { readonly status: 'passes'; readonly resources: number }
    | { readonly status: 'not-applicable' }
    | { readonly status: 'not-confirmed'; readonly reason: string };
}

/** How the report knows what a rule set found. */
export type RuleSetRun =
  | { readonly status: 'ran'; readonly how: string }
  | { readonly status: 'not-run'; readonly reason: string }
  /** Deployed into the account and evaluated there, not on the template. */
  | { readonly status: 'deployed'; readonly how: string };

export interface RuleSetFindings {
  readonly name: string;
  readonly run: RuleSetRun;
  /**
   * Whether `findings` are this template's: false when its acknowledgements are not known (a
   * template without its cloud assembly), so every entry that may apply is listed.
   */
  readonly findingsKnown: boolean;
  readonly findings: readonly RuleFinding[];
  /** The findings the product fixed; only `here.status: 'passes'` are counted as fixed. */
  readonly fixed: readonly FixedRuleResult[];
  /**
   * Rules that ran on resources they apply to and found nothing, not known to have found
   * anything before (so not "fixed"); null when the rule set does not report what passed.
   */
  readonly noFinding: ReadonlyArray<{ readonly rule: string; readonly note: string }> | null;
  readonly counts: Readonly<Record<RuleFindingVerdict | 'fixed', number>>;
}

export interface RuleFindings {
  readonly ruleSets: readonly RuleSetFindings[];
  /** Every rule set's counts added up. */
  readonly totals: Readonly<Record<RuleFindingVerdict | 'fixed', number>>;
}

/** A finding as its rule set's report gives it, before any verdict. */
export interface ReportedFinding {
  readonly rule: string;
  readonly description: string;
  readonly resources: readonly string[];
  /** The reason CDK matched it with. @default - not acknowledged */
  readonly acknowledgedReason?: string;
}

/** The cfn-guard validator's report, read from the cloud assembly (rule-findings-evidence.ts). */
export type GuardEvidence =
  | {
      readonly status: 'ran';
      readonly how: string;
      readonly findings: readonly ReportedFinding[];
      /**
       * Every bundled rule, with how many of this template's resources it reports on (its
       * "Reports on" types). @default - the rules could not be read: no "no finding" list
       */
      readonly rules?: ReadonlyArray<{
        readonly rule: string;
        readonly control: string;
        readonly resources: number;
      }>;
    }
  | { readonly status: 'not-run'; readonly reason: string };

/** One cfn-lint finding, as `cfn-lint --format json` gives it. */
export interface CfnLintFinding {
  readonly rule: string;
  readonly level: string;
  readonly message: string;
  /** The resource's logical id. @default - a finding outside Resources */
  readonly resource?: string;
}

export type CfnLintEvidence =
  | {
      readonly status: 'ran';
      readonly version: string;
      /** ISO 8601. */
      readonly at: string;
      readonly findings: readonly CfnLintFinding[];
    }
  | { readonly status: 'not-run'; readonly at: string; readonly reason: string };

export interface RuleEvidence {
  readonly guard: GuardEvidence;
  readonly cfnLint: CfnLintEvidence;
}

/**
 * cfn-lint findings `npm run lint:templates` lets through (scripts/lint-templates-rules.mjs's
 * `allowedRules`, which compliance/ may not import; a test keeps the two equal), with verdicts.
 */
export const cfnLintVerdicts: Readonly<
  Record<string, { readonly verdict: AcknowledgementVerdict; readonly reason: string }>
> = {
  W3005: {
    verdict: 'accepted',
    reason:
      "CDK makes a Lambda function DependsOn its role, which the function's Role already names by Fn::GetAtt: a redundant edge, the same creation order either way",
  },
};

/** The cdk-nag packs compliance/nag.ts runs, by the prefix of their rule ids (a test checks). */
export const nagPackNames = [
  'AwsSolutions',
  'HIPAA.Security',
  'PCI.DSS.321',
  'NIST.800.53.R5',
  'Serverless',
] as const;

export interface RuleFindingsInput {
  /** The report's acknowledgements: those recorded in this deployment, or every one. */
  readonly acknowledgements: readonly AcknowledgementResult[];
  readonly acknowledgementsKnown: boolean;
  readonly nag: NagResults;
  /** The AWS Config managed rules the template creates. */
  readonly configRules: ReadonlyArray<{ readonly resource: string; readonly identifier: string }>;
  /** @default - neither cfn-guard's report nor cfn-lint was read */
  readonly evidence?: RuleEvidence;
}

const guardPrefix = `${guardPluginName}::`;
const guardName = 'AWS Control Tower proactive controls (cfn-guard)';

/** The verdict compliance/acknowledgements.ts gives the entry with this rule and reason. */
export function acknowledgedVerdict(
  rule: string,
  reason: string,
): AcknowledgementVerdict | undefined {
  return acknowledgements.find((entry) => entry.reason === reason && entry.rules.includes(rule))
    ?.verdict;
}

/** Which rule set reported `rule`: a cfn-guard rule by its namespace or its `_check` name. */
function ruleSetOf(rule: string): string | undefined {
  if (rule.startsWith(guardPrefix) || /^[a-z0-9_]+_check$/.test(rule)) return guardName;
  const pack = nagPackNames.find((name) => rule.startsWith(`${name}-`));
  return pack === undefined ? undefined : nagSetName(pack);
}

const nagSetName = (pack: string) => `cdk-nag ${pack}`;
const bareGuardRule = (rule: string) =>
  rule.startsWith(guardPrefix) ? rule.slice(guardPrefix.length) : rule;

function countsOf(
  findings: readonly RuleFinding[],
  fixed: readonly FixedRuleResult[],
): Record<RuleFindingVerdict | 'fixed', number> {
  const counts = Object.fromEntries(
    ruleFindingVerdicts.map((verdict) => [
      verdict,
      findings.filter((finding) => finding.verdict === verdict).length,
    ]),
  ) as Record<RuleFindingVerdict, number>;
  return { ...counts, fixed: fixed.filter((rule) => rule.here.status === 'passes').length };
}

/** Findings from acknowledgements, per rule set: one per rule and acknowledged resource group. */
function acknowledgedFindings(input: RuleFindingsInput): Map<string, RuleFinding[]> {
  const bySet = new Map<string, RuleFinding[]>();
  for (const entry of input.acknowledgements) {
    // An entry the list does not hold has no verdict: open, for a reviewer to decide.
    const verdict: RuleFindingVerdict =
      acknowledgedVerdict(entry.rules[0] ?? '', entry.reason) ?? 'open';
    for (const rule of entry.rules) {
      const set = ruleSetOf(rule);
      if (set === undefined) continue;
      const finding: RuleFinding = {
        rule: bareGuardRule(rule),
        resources: entry.recordedOn.map((where) => where.logicalId ?? where.constructPath),
        verdict,
        reason: entry.reason,
        ...(entry.condition === undefined ? {} : { condition: entry.condition }),
      };
      bySet.set(set, [...(bySet.get(set) ?? []), finding]);
    }
  }
  return bySet;
}

/** Unacknowledged findings of the assembly's validation report, per rule set. */
function openFindings(nag: NagResults): Map<string, RuleFinding[]> {
  const bySet = new Map<string, RuleFinding[]>();
  if (!nag.available) return bySet;
  for (const finding of nag.findings) {
    // Only the guard's and the packs' plugins report; the nag section lists anything else.
    const set = ruleSetOf(finding.rule);
    if (set === undefined) continue;
    const open: RuleFinding = {
      rule: bareGuardRule(finding.rule),
      resources: [finding.logicalId ?? finding.constructPath],
      verdict: 'open',
      reason: finding.description,
    };
    bySet.set(set, groupByReason([...(bySet.get(set) ?? []), open]));
  }
  return bySet;
}

/** One finding per rule and reason: the validator reports each resource on its own. */
function groupByReason(findings: readonly RuleFinding[]): RuleFinding[] {
  const grouped: RuleFinding[] = [];
  for (const finding of findings) {
    const same = grouped.findIndex(
      (f) =>
        f.rule === finding.rule && f.reason === finding.reason && f.verdict === finding.verdict,
    );
    const existing = grouped[same];
    if (existing === undefined) {
      grouped.push(finding);
    } else {
      const resources = [...new Set([...existing.resources, ...finding.resources])];
      grouped[same] = { ...existing, resources };
    }
  }
  return grouped;
}

function guardSet(
  input: RuleFindingsInput,
  acknowledged: readonly RuleFinding[],
  open: readonly RuleFinding[],
): RuleSetFindings {
  const guard = input.evidence?.guard;
  if (guard === undefined || guard.status === 'not-run') {
    const reason =
      guard?.reason ??
      "cfn-guard's report was not read: give the template inside the cloud assembly `npm run synth` writes (cdk.out/<name>/)";
    const findings = [...acknowledged, ...open];
    const fixed = fixedGuardRules.map(
      (rule): FixedRuleResult => ({ ...rule, here: { status: 'not-confirmed', reason } }),
    );
    return {
      name: guardName,
      run: { status: 'not-run', reason },
      findingsKnown: input.acknowledgementsKnown,
      findings,
      fixed,
      noFinding: null,
      counts: countsOf(findings, fixed),
    };
  }
  const findings = groupByReason(
    guard.findings.map((reported): RuleFinding => {
      const reason = reported.acknowledgedReason;
      const entry =
        reason === undefined
          ? undefined
          : acknowledgements.find(
              (a) => a.reason === reason && a.rules.includes(`${guardPrefix}${reported.rule}`),
            );
      return {
        rule: reported.rule,
        resources: reported.resources,
        verdict: entry?.verdict ?? 'open',
        reason: reason ?? reported.description,
        ...(entry?.condition === undefined ? {} : { condition: entry.condition }),
      };
    }),
  );
  const flagged = new Set(findings.map((finding) => finding.rule));
  const appliesTo = new Map(guard.rules?.map((rule) => [rule.rule, rule.resources]));
  const fixed = fixedGuardRules
    .filter((rule) => !flagged.has(rule.rule))
    .map((rule): FixedRuleResult => {
      const resources = appliesTo.get(rule.rule);
      return {
        ...rule,
        here:
          resources === undefined
            ? { status: 'not-confirmed', reason: 'the bundled rules could not be read' }
            : resources === 0
              ? { status: 'not-applicable' }
              : { status: 'passes', resources },
      };
    });
  const fixedNames = new Set(fixedGuardRules.map((rule) => rule.rule));
  const noFinding =
    guard.rules === undefined
      ? null
      : guard.rules
          .filter(
            (rule) => rule.resources > 0 && !flagged.has(rule.rule) && !fixedNames.has(rule.rule),
          )
          .map((rule) => ({
            rule: rule.rule,
            note: `${rule.control}, on ${rule.resources} ${rule.resources === 1 ? 'resource' : 'resources'}`,
          }));
  return {
    name: guardName,
    run: { status: 'ran', how: guard.how },
    findingsKnown: true,
    findings,
    fixed,
    noFinding,
    counts: countsOf(findings, fixed),
  };
}

function nagSet(
  pack: string,
  input: RuleFindingsInput,
  acknowledged: readonly RuleFinding[],
  open: readonly RuleFinding[],
): RuleSetFindings {
  const findings = [...acknowledged, ...open];
  const run: RuleSetRun = input.nag.available
    ? {
        status: 'ran',
        how: "at synthesis, on the construct tree. cdk-nag reports only the findings nobody acknowledged (in the cloud assembly's validation report); the acknowledged ones are those this deployment records on its constructs, each proved by a test to answer a real finding. It does not report the rules that passed, so none is listed here as fixed or as having found nothing",
      }
    : { status: 'not-run', reason: input.nag.reason };
  return {
    name: nagSetName(pack),
    run,
    findingsKnown: input.acknowledgementsKnown,
    findings,
    fixed: [],
    noFinding: null,
    counts: countsOf(findings, []),
  };
}

function cfnLintSet(evidence: CfnLintEvidence | undefined): RuleSetFindings {
  const name = 'cfn-lint';
  if (evidence === undefined || evidence.status === 'not-run') {
    return {
      name,
      run: {
        status: 'not-run',
        reason:
          evidence === undefined
            ? 'cfn-lint was not asked for'
            : `${evidence.reason} (${evidence.at})`,
      },
      findingsKnown: false,
      findings: [],
      fixed: [],
      noFinding: null,
      counts: countsOf([], []),
    };
  }
  const findings = groupByReason(
    evidence.findings.map((finding): RuleFinding => {
      const allowed = cfnLintVerdicts[finding.rule];
      return {
        rule: finding.rule,
        resources: [finding.resource ?? '-'],
        verdict: allowed?.verdict ?? 'open',
        reason: allowed?.reason ?? `${finding.level}: ${finding.message}`,
      };
    }),
  );
  return {
    name,
    run: {
      status: 'ran',
      how: `${evidence.version} on this template at ${evidence.at}, as npm run lint:templates runs it (with a .cfnlintrc of the working directory, if any)`,
    },
    findingsKnown: true,
    findings,
    fixed: [],
    noFinding: null,
    counts: countsOf(findings, []),
  };
}

function configSet(rules: RuleFindingsInput['configRules']): RuleSetFindings {
  const name = 'AWS Config managed rules deployed by the stack';
  const base = { findingsKnown: false, findings: [], fixed: [], counts: countsOf([], []) };
  if (rules.length === 0) {
    return {
      name,
      run: {
        status: 'not-run',
        reason: 'none in this template (selfAudit.awsConfigRules is off)',
      },
      noFinding: null,
      ...base,
    };
  }
  return {
    name,
    run: {
      status: 'deployed',
      how: `evaluated by AWS Config in the account, where a configuration recorder runs, not on the template; this report does not read their evaluations (aws configservice describe-compliance-by-config-rule): ${rules.map((rule) => `${rule.identifier} (${rule.resource})`).join(', ')}`,
    },
    noFinding: null,
    ...base,
  };
}

/** Every rule set's findings with verdicts, the fixed findings, and the counts. */
export function ruleFindingsOf(input: RuleFindingsInput): RuleFindings {
  const acknowledged = acknowledgedFindings(input);
  const open = openFindings(input.nag);
  const ruleSets = [
    guardSet(input, acknowledged.get(guardName) ?? [], open.get(guardName) ?? []),
    ...nagPackNames.map((pack) =>
      nagSet(
        pack,
        input,
        acknowledged.get(nagSetName(pack)) ?? [],
        open.get(nagSetName(pack)) ?? [],
      ),
    ),
    cfnLintSet(input.evidence?.cfnLint),
    configSet(input.configRules),
  ];
  const totals = Object.fromEntries(
    [...ruleFindingVerdicts, 'fixed' as const].map((key) => [
      key,
      ruleSets.reduce((sum, set) => sum + set.counts[key], 0),
    ]),
  ) as Record<RuleFindingVerdict | 'fixed', number>;
  return { ruleSets, totals };
}
