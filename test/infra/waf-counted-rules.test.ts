/**
 * The web ACL's count-only rules and the alarm on their matches (infra/waf.ts,
 * infra/observability/alarms.ts), read from the data both are made from: which rules count,
 * which of them raise WafCountedMatches, and that every choice carries its reason.
 */
import { describe, expect, it } from 'vitest';
import { countedMatchesQuery } from '../../infra/observability/waf-metrics.ts';
import {
  alarmedCountOnlyRules,
  managedRuleGroups,
  unalarmedCountOnlyRules,
} from '../../infra/waf.ts';

describe('the count-only rules of the web ACL', () => {
  it('are the body rules and NoUserAgent_HEADER, each with its reason', () => {
    const counted = managedRuleGroups.flatMap((group) => Object.entries(group.countOnly));
    expect(counted.map(([rule]) => rule)).toEqual([
      'JavaDeserializationRCE_BODY',
      'Log4JRCE_BODY',
      'SizeRestrictions_BODY',
      'CrossSiteScripting_BODY',
      'GenericLFI_BODY',
      'GenericRFI_BODY',
      'EC2MetaDataSSRF_BODY',
      'NoUserAgent_HEADER',
    ]);
    for (const [rule, why] of counted) expect(why.length, rule).toBeGreaterThan(40);
  });

  it('raise the counted-matches alarm, all but the ones whose matches are ordinary traffic', () => {
    expect(unalarmedCountOnlyRules()).toEqual(['SizeRestrictions_BODY']);
    expect(alarmedCountOnlyRules()).toEqual([
      'JavaDeserializationRCE_BODY',
      'Log4JRCE_BODY',
      'CrossSiteScripting_BODY',
      'GenericLFI_BODY',
      'GenericRFI_BODY',
      'EC2MetaDataSSRF_BODY',
      'NoUserAgent_HEADER',
    ]);
    for (const group of managedRuleGroups) {
      for (const [rule, why] of Object.entries(group.unalarmed ?? {})) {
        // Only a rule that counts can be left out of the alarm, and never without a reason.
        expect(Object.keys(group.countOnly), rule).toContain(rule);
        expect(why.length, rule).toBeGreaterThan(40);
      }
    }
  });

  it("are queried by the dimensions WAF gives an overridden managed rule's metrics", () => {
    expect(countedMatchesQuery('acl', ['SizeRestrictions_BODY', 'NoUserAgent_HEADER'])).toBe(
      'SELECT SUM(CountedRequests) FROM SCHEMA("AWS/WAFV2", ManagedRuleGroup, ManagedRuleGroupRule, Region, WebACL) ' +
        "WHERE WebACL = 'acl' AND ManagedRuleGroupRule != 'SizeRestrictions_BODY' AND ManagedRuleGroupRule != 'NoUserAgent_HEADER' " +
        'GROUP BY ManagedRuleGroupRule ORDER BY SUM() DESC',
    );
  });
});
