/**
 * AWS/WAFV2 metrics of a regional web ACL. WAF labels them with the web ACL's name (`WebACL`),
 * the Region, and `Rule`, whose value `ALL` totals every rule of the ACL. A rule of a managed
 * rule group whose action the web ACL overrides (the count-only rules of infra/waf.ts) has
 * metrics of its own under the web ACL, labelled instead with `ManagedRuleGroup` and
 * `ManagedRuleGroupRule` beside `WebACL` and `Region` (AWS WAF Developer Guide, "AWS WAF metrics
 * and dimensions": rule groups owned by another account).
 */
import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { countPeriod } from './handler-metrics.ts';

export function wafMetric(
  scope: IConstruct,
  webAclName: string,
  metricName: 'AllowedRequests' | 'BlockedRequests',
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/WAFV2',
    metricName,
    dimensionsMap: { WebACL: webAclName, Rule: 'ALL', Region: Stack.of(scope).region },
    statistic: cloudwatch.Stats.SUM,
    period: countPeriod,
  });
}

/**
 * A Metrics Insights query of the requests the web ACL's count-only managed rules matched, one
 * series per rule, leaving out the rules in `except`. `SCHEMA` pins the dimensions WAF labels
 * those rules' metrics with, so only the rules whose action the ACL overrides match (a rule
 * group's own Count rules publish no web ACL metric); Metrics Insights' WHERE knows `=`, `!=`
 * and `AND` only, so the rules left out are written one by one.
 * @example
 * countedMatchesQuery('webhook-ingestion-ingest', ['SizeRestrictions_BODY'])
 * // SELECT SUM(CountedRequests) FROM SCHEMA("AWS/WAFV2", ManagedRuleGroup, ManagedRuleGroupRule, Region, WebACL)
 * //   WHERE WebACL = 'webhook-ingestion-ingest' AND ManagedRuleGroupRule != 'SizeRestrictions_BODY'
 * //   GROUP BY ManagedRuleGroupRule ORDER BY SUM() DESC
 */
export function countedMatchesQuery(webAclName: string, except: readonly string[] = []): string {
  return [
    'SELECT SUM(CountedRequests)',
    'FROM SCHEMA("AWS/WAFV2", ManagedRuleGroup, ManagedRuleGroupRule, Region, WebACL)',
    `WHERE ${[
      `WebACL = '${webAclName}'`,
      ...except.map((rule) => `ManagedRuleGroupRule != '${rule}'`),
    ].join(' AND ')}`,
    'GROUP BY ManagedRuleGroupRule ORDER BY SUM() DESC',
  ].join(' ');
}
