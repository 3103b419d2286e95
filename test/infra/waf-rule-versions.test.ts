/**
 * The managed rule groups of the web ACL run pinned static versions (issue 16, point 7b): a
 * version AWS publishes next changes nothing until it is chosen, per group, by the construct's
 * `wafRuleGroupVersions` or in `pinnedRuleGroupVersions`. docs/compliance.md says how to move one.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { complianceSections } from '../../compliance/compliance-doc.ts';
import { DeploymentSettingsError, resolveSettings } from '../../infra/settings.ts';
import {
  isVersionedRuleGroupName,
  managedRuleGroups,
  pinnedRuleGroupVersions,
  ruleGroupVersionPattern,
} from '../../infra/waf.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import type { WebhookIngestionProps } from '../../infra/webhook-ingestion-props.ts';

interface ManagedStatement {
  readonly Name: string;
  readonly VendorName: string;
  readonly Version?: string;
}

/** Each managed rule group statement of the synthesized web ACL, by group name. */
function managedStatements(props: WebhookIngestionProps): Map<string, ManagedStatement> {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'waf-versions-')) });
  const stack = new Stack(app, 'waf-versions-test');
  new WebhookIngestion(stack, 'WebhookIngestion', props);
  const [acl] = Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'));
  const rules = (acl?.Properties?.Rules ?? []) as {
    Statement: { ManagedRuleGroupStatement?: ManagedStatement };
  }[];
  return new Map(
    rules.flatMap(({ Statement }) => {
      const statement = Statement.ManagedRuleGroupStatement;
      return statement === undefined ? [] : [[statement.Name, statement] as const];
    }),
  );
}

const moved = { AWSManagedRulesCommonRuleSet: 'Version_1.20' } as const;
let pinned: Map<string, ManagedStatement>;
let overridden: Map<string, ManagedStatement>;

beforeAll(() => {
  pinned = managedStatements({ waf: true });
  overridden = managedStatements({ waf: true, wafRuleGroupVersions: moved });
}, 120_000);

describe('the managed rule groups of the web ACL', () => {
  it('each run the static version pinned for them, or are a group AWS does not version', () => {
    expect([...pinned.keys()]).toEqual(managedRuleGroups.map((group) => group.name));
    for (const group of managedRuleGroups) {
      const statement = pinned.get(group.name);
      if (isVersionedRuleGroupName(group.name)) {
        expect(statement?.Version).toBe(pinnedRuleGroupVersions[group.name]);
        expect(group.unversioned).toBeUndefined();
      } else {
        expect(statement).toBeDefined();
        expect(statement?.Version).toBeUndefined();
        expect(group.unversioned).toMatch(/\S/);
      }
    }
  });

  it('pin only groups of the web ACL, to names WAF takes', () => {
    const names = managedRuleGroups.map((group) => group.name);
    for (const [name, version] of Object.entries(pinnedRuleGroupVersions)) {
      expect(names).toContain(name);
      expect(version).toMatch(ruleGroupVersionPattern);
      expect(version).toMatch(/^Version_\d+\.\d+$/);
    }
  });

  it("move one group by the construct's wafRuleGroupVersions, leaving the others pinned", () => {
    expect(overridden.get('AWSManagedRulesCommonRuleSet')?.Version).toBe('Version_1.20');
    expect(overridden.get('AWSManagedRulesKnownBadInputsRuleSet')?.Version).toBe(
      pinnedRuleGroupVersions.AWSManagedRulesKnownBadInputsRuleSet,
    );
    expect(overridden.get('AWSManagedRulesAmazonIpReputationList')?.Version).toBeUndefined();
  });
});

describe('wafRuleGroupVersions', () => {
  const problemsOf = (props: Parameters<typeof resolveSettings>[0]): readonly string[] => {
    try {
      resolveSettings(props);
      return [];
    } catch (error) {
      if (!(error instanceof DeploymentSettingsError)) throw error;
      return error.problems;
    }
  };

  it('refuses a group AWS does not version, a group the web ACL lacks, and a version WAF would not take', () => {
    const versions = {
      AWSManagedRulesAmazonIpReputationList: 'Version_1.0',
      AWSManagedRulesSQLiRuleSet: 'Version_2.0',
      AWSManagedRulesKnownBadInputsRuleSet: 'latest please',
    } as unknown as NonNullable<WebhookIngestionProps['wafRuleGroupVersions']>;
    expect(problemsOf({ waf: true, wafRuleGroupVersions: versions })).toEqual([
      "wafRuleGroupVersions: 'AWSManagedRulesAmazonIpReputationList' has no versions to pin: AWS does not version the IP reputation groups: their address lists follow its threat intelligence",
      "wafRuleGroupVersions: 'AWSManagedRulesSQLiRuleSet' is not a versioned managed rule group of the web ACL (AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesCommonRuleSet)",
      `wafRuleGroupVersions.AWSManagedRulesKnownBadInputsRuleSet: expected a version name such as '${pinnedRuleGroupVersions.AWSManagedRulesKnownBadInputsRuleSet}', got "latest please"`,
    ]);
  });

  it('refuses versions for a deployment without a web ACL', () => {
    expect(problemsOf({ waf: false, wafRuleGroupVersions: moved })).toEqual([
      'wafRuleGroupVersions applies to the web ACL, and this deployment has none',
    ]);
  });

  it('settles the versions the web ACL runs', () => {
    expect(
      resolveSettings({ waf: true, wafRuleGroupVersions: moved }).wafRuleGroupVersions,
    ).toEqual({ ...pinnedRuleGroupVersions, ...moved });
  });
});

describe('docs/compliance.md', () => {
  it('names the version each group runs, and how to move it', () => {
    const section = complianceSections()['waf-rules'] ?? '';
    for (const [name, version] of Object.entries(pinnedRuleGroupVersions)) {
      expect(section).toContain(`\`${name}\` (\`${version}\`)`);
    }
    expect(section).toContain('`AWSManagedRulesAmazonIpReputationList` (unversioned:');
    expect(section).toContain('aws wafv2 list-available-managed-rule-group-versions');
    expect(section).toContain('`wafRuleGroupVersions`');
  });
});
