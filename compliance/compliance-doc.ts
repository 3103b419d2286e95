/**
 * The generated parts of docs/compliance.md: the profile table, the WAF rule choices and the
 * cdk-nag acknowledgements, rendered from the code that deploys them. `npm run docs:compliance`
 * rewrites them in place; test/compliance/compliance-doc.test.ts fails when the file is stale.
 */

import { type RetentionClassName, retentionClasses } from '../functions/config/retention.ts';
import { excludedRuleGroups, managedRuleGroups } from '../infra/waf.ts';
import { acknowledgements } from './acknowledgements.ts';
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
    lines.push(
      `- \`${group.name}\`: blocks${counted.length === 0 ? '.' : ', except these rules, which only count:'}`,
      ...counted.map(([rule, why]) => `  - \`${rule}\`: ${why}.`),
    );
  }
  lines.push('', 'Left out:', '');
  for (const [group, why] of Object.entries(excludedRuleGroups)) {
    lines.push(`- \`${group}\`: ${why}.`);
  }
  return lines.join('\n');
}

function acknowledgementsSection(): string {
  return acknowledgements
    .map((entry) =>
      [
        `- **${entry.resource}**${entry.condition === undefined ? '' : ` (${entry.condition})`}: ${entry.rules.map((rule) => `\`${rule}\``).join(', ')}`,
        `  ${entry.reason}`,
      ].join('\n'),
    )
    .join('\n');
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
