/**
 * The generated parts of docs/compliance.md: the profile table, the WAF rule choices and the
 * cdk-nag acknowledgements with their verdicts, rendered from the code that deploys them.
 * `npm run docs:compliance` rewrites them in place; test/compliance/compliance-doc.test.ts fails
 * when the file is stale.
 */

import { type RetentionClassName, retentionClasses } from '../functions/config/retention.ts';
import {
  excludedRuleGroups,
  isVersionedRuleGroupName,
  managedRuleGroups,
  pinnedRuleGroupVersions,
} from '../infra/waf.ts';
import {
  type AcknowledgementVerdict,
  acknowledgements,
  acknowledgementVerdicts,
} from './acknowledgements.ts';
import { type ComplianceProfile, complianceProfileNames, complianceProfiles } from './profiles.ts';

function auditClass(name: RetentionClassName): string {
  return `\`${name}\` (${retentionClasses[name].auditDays} d)`;
}

function payloadClass(name: RetentionClassName): string {
  const days = retentionClasses[name].payloadDays;
  return `\`${name}\` (${days === 0 ? 'none' : `${days} d`})`;
}

const yesNo = (value: boolean) => (value ? 'required' : '–');

function profileRow(name: string, profile: ComplianceProfile): string {
  return `| \`${name}\` | ${auditClass(profile.deliveryAuditFloor)} | ${auditClass(profile.adminAuditFloor)} | ${payloadClass(profile.payloadCopyCeiling)} | ${profile.logRetentionDays} d | ${yesNo(profile.vpcPlacementRequired)} | ${yesNo(profile.wafRequired)} | ${yesNo(profile.accessLogRequired)} | ${yesNo(profile.backupPlanRequired)} |`;
}

function profilesSection(): string {
  const rows = complianceProfileNames.map((name) => profileRow(name, complianceProfiles[name]));
  const citations = complianceProfileNames.flatMap((name) => {
    const profile: ComplianceProfile = complianceProfiles[name];
    return [
      `- \`${name}\`: ${profile.summary}`,
      ...profile.citations.map((citation) => `  - ${citation}`),
    ];
  });
  return [
    '| Profile | Delivery audit records (at least) | Admin audit records (at least) | Payload copies (at most) | Logs (at least) | Lambda in a VPC | WAF | Access log of every request | Backup plan, locked vault |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...citations,
  ].join('\n');
}

function wafSection(): string {
  const lines: string[] = [
    '- `RateLimitPerSourceAddress` (rate-based, per source IP): blocks with 429 and `Retry-After`.',
  ];
  for (const group of managedRuleGroups) {
    const counted = Object.entries(group.countOnly);
    const version = isVersionedRuleGroupName(group.name)
      ? `\`${pinnedRuleGroupVersions[group.name]}\``
      : `unversioned: ${group.unversioned}`;
    const unalarmed = group.unalarmed ?? {};
    lines.push(
      `- \`${group.name}\` (${version}): blocks${counted.length === 0 ? '.' : ', except these rules, which only count, each match raising the `WafCountedMatches` alarm unless said:'}`,
      ...counted.map(([rule, why]) => {
        const quiet = unalarmed[rule];
        return `  - \`${rule}\`: ${why}.${quiet === undefined ? '' : ` No alarm: ${quiet}.`}`;
      }),
    );
  }
  lines.push('', 'Left out:', '');
  for (const [group, why] of Object.entries(excludedRuleGroups)) {
    lines.push(`- \`${group}\`: ${why}.`);
  }
  lines.push('', ...ruleGroupVersionsText());
  return lines.join('\n');
}

/** How the pinned managed rule group versions are moved. */
function ruleGroupVersionsText(): string[] {
  const [example] = Object.keys(pinnedRuleGroupVersions);
  return [
    'Each versioned group runs the static version named above, pinned in `pinnedRuleGroupVersions` (infra/waf.ts): a version AWS publishes, or a default it moves, changes nothing here until it is chosen. To move one:',
    '',
    `1. See what AWS offers and what changed: \`aws wafv2 list-available-managed-rule-group-versions --scope REGIONAL --vendor-name AWS --name ${example}\`, and the group's entries in the AWS Managed Rules changelog (AWS WAF Developer Guide). Subscribing to the group's SNS topic (\`aws wafv2 describe-managed-rule-group\` names it) announces new and expiring versions.`,
    `2. Deploy it to a test stage first, by the construct's \`wafRuleGroupVersions\` (for example \`{ ${example}: 'Version_…' }\`), and read the group's blocked and counted requests on the dashboard and in the WAF log: a new rule that matches a genuine delivery must be made to count, in \`countOnly\`, before it reaches production.`,
    '3. Change the pinned version in `pinnedRuleGroupVersions`, run `npm run docs:compliance`, and deploy.',
    '',
    'A version AWS has scheduled to expire can no longer be chosen; once it expires WAF runs the default version instead, and refuses any change to the web ACL that does not move it.',
  ];
}

/** How a verdict reads in docs/compliance.md, and what it means. */
export const verdictText: Readonly<
  Record<
    AcknowledgementVerdict,
    { readonly label: string; readonly plural: string; readonly meaning: string }
  >
> = {
  false_positive: {
    label: 'False positive',
    plural: 'false positives',
    meaning:
      'the rule misreads the resource, or asks for what cannot exist or take effect on it; the reason says what the rule does not see',
  },
  accepted: {
    label: 'Accepted',
    plural: 'accepted risks',
    meaning: 'the finding is true; the reason says why its risk is accepted and what compensates',
  },
};

function acknowledgementsSection(): string {
  const counts = acknowledgementVerdicts.map((verdict) => {
    const count = acknowledgements.filter((entry) => entry.verdict === verdict).length;
    return `${count} ${verdictText[verdict].plural} (${verdictText[verdict].meaning})`;
  });
  const entries = acknowledgements.map((entry) =>
    [
      `- **${entry.resource}**${entry.condition === undefined ? '' : ` (${entry.condition})`}: ${entry.rules.map((rule) => `\`${rule}\``).join(', ')}`,
      `  ${verdictText[entry.verdict].label}: ${entry.reason}`,
    ].join('\n'),
  );
  return [
    `${acknowledgements.length} acknowledgements: ${counts.join('; ')}.`,
    '',
    ...entries,
  ].join('\n');
}

/** The generated sections, by the name their markers carry. */
export function complianceSections(): Readonly<Record<string, string>> {
  return {
    profiles: profilesSection(),
    'waf-rules': wafSection(),
    acknowledgements: acknowledgementsSection(),
  };
}

/** `text` with every generated section replaced by its current rendering. */
export function updateComplianceDoc(text: string): string {
  let updated = text;
  for (const [name, body] of Object.entries(complianceSections())) {
    const start = `<!-- generated:${name}:start -->`;
    const end = `<!-- generated:${name}:end -->`;
    const from = updated.indexOf(start);
    const to = updated.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/compliance.md lacks the markers of '${name}'`);
    updated = `${updated.slice(0, from + start.length)}\n${body}\n${updated.slice(to)}`;
  }
  return updated;
}
